"""A history knows whether it is whole, and the harness's own failures are never the backend's.

A file with no end record, a cut line, a part named and missing or a part beside it unnamed proves
nothing: INCONCLUSIVE with the reason. A listener the harness lost is owed nothing from its death
on; a death, or a recorder that could not write, is INCONCLUSIVE naming what stopped and when.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from harness.check_file import check_file
from harness.checks import check
from harness.errors import HistoryFormatError
from harness.load.merge import merge_histories
from harness.record.history import FAILURE, History, HistoryData, Observation, load
from harness.record.history_file import read_text, write_text
from harness.spec.contract import Contract
from harness.testing import history_with, write_history
from tests.histories import healthy, missing

EXPECT = {"operations": 400, "duration_s": 20, "min_write_success": 0.5, "required": ["missing-event"]}


def _run_history(tmp_path: Path, name: str = "history.jsonl") -> Path:
    """A healthy run's file, with what the runner records of its plan."""
    data = history_with(2_000, listeners=4)
    data.meta.update(time_origin=0.0, expect={**EXPECT, "operations": 500}, ended_by="operations", steps=500)
    path = tmp_path / name
    write_history(data, path)
    return path


def test_a_closed_history_is_whole_and_passes_on_disk_and_in_memory(tmp_path: Path) -> None:
    path = _run_history(tmp_path)
    assert read_text(path).splitlines()[-1].startswith('{"rec":"end"'), "the end record is the last"
    data, result = check_file(path)
    assert data.wholeness.whole and result.verdict == "PASS" and result.reasons == []
    assert check(healthy(), Contract()).verdict == "PASS", "a history made in memory lacks nothing"


def test_a_history_without_its_end_record_is_inconclusive_saying_how_far_it_got(tmp_path: Path) -> None:
    path = _run_history(tmp_path)
    lines = read_text(path).splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))
    data, result = check_file(path)
    assert not data.wholeness.ended and result.verdict == "INCONCLUSIVE"
    assert result.reasons[0] == "the run was killed: no end record after 500 of 500 planned counter steps"


@pytest.mark.parametrize(
    ("plan", "steps", "said"),
    [
        ({"until": "time", "duration_s": 20}, 33, "after 33 counter steps of a 20 s run"),
        ({"until": "time", "duration_s": 20}, None, "after {requests} requests (a 20 s run was planned)"),
        ({"until": None, "operations": None}, None, "after {requests} requests"),
    ],
    ids=["planned-by-time", "planned-by-time-killed-in-play", "locust"],
)
def test_a_killed_run_says_how_far_it_got_in_the_words_of_its_plan(
    tmp_path: Path, plan: dict[str, object], steps: int | None, said: str
) -> None:
    """Counted by its steps where it counted them (at its settling), against its seconds if it was
    planned by time; by its requests where it counted none, with no plan a Locust run never had."""
    path = _run_history(tmp_path)
    lines = read_text(path).splitlines(keepends=True)
    meta = {"rec": "meta", "expect": {**EXPECT, "operations": 500, **plan}, "steps": steps}
    path.write_text("".join(lines[:-1]) + json.dumps(meta) + "\n")
    _, result = check_file(path)
    requests = len(load(path).operations)
    assert result.reasons[0] == f"the run was killed: no end record {said.format(requests=requests)}"


def test_a_closed_history_from_before_end_records_says_so_rather_than_killed(tmp_path: Path) -> None:
    path = _run_history(tmp_path)
    lines = read_text(path).splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + '{"rec":"meta","left_behind":[]}\n')
    _, result = check_file(path)
    assert result.verdict == "INCONCLUSIVE" and result.reasons[0].startswith("the history has no end record (a ")


@pytest.mark.parametrize("percent", [10, 37, 64, 99])
@pytest.mark.parametrize("packed", [False, True], ids=["plain", "zstd"])
def test_a_history_cut_anywhere_is_inconclusive(tmp_path: Path, percent: int, packed: bool) -> None:
    """Cut by bytes: a plain file's last line is torn; a compressed one reads to its last whole block."""
    path = _run_history(tmp_path, "history.jsonl.zst" if packed else "history.jsonl")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * percent // 100])
    data, result = check_file(path)
    assert result.verdict == "INCONCLUSIVE", result.findings[:3]
    assert re.fullmatch(r"the run was killed: no end record after (\d+ of 500 planned counter steps|\d+ requests "
                        r"\(500 counter steps were planned\))", result.reasons[0]), result.reasons[0]  # fmt: skip


def test_a_cut_part_an_unnamed_part_and_a_missing_one_each_say_so(tmp_path: Path) -> None:
    origin = History.now()
    main = History(tmp_path / "history.jsonl", {"scenario": "parts", "time_origin": origin})
    main.add_part("listener-process-1", tmp_path / "listeners-1.history.jsonl")
    main.add_part("listener-process-2", tmp_path / "listeners-2.history.jsonl")
    worker = History(tmp_path / "listeners-1.history.jsonl", {"time_origin": origin}, retain=False)
    worker.append(Observation("connect", origin + 0.1, "viewer-1", "1.1"))
    worker.flush()  # a worker killed before its end: what it flushed is there, its end is not
    write_text(tmp_path / "listeners-3.history.jsonl.zst", "")
    write_text(tmp_path / "listeners-1.other-run.jsonl.zst", "")
    main.close()
    data = load(tmp_path / "history.jsonl")
    assert [o.listener for o in data.observations] == ["viewer-1"], "what the worker flushed is read"
    whole = data.wholeness
    assert whole.ended and whole.unended == ["listeners-1.history.jsonl"]
    assert whole.missing == ["listeners-2.history.jsonl"]
    assert whole.unnamed == ["listeners-3.history.jsonl.zst"], "another run's part is not this one's"
    _, result = check_file(tmp_path / "history.jsonl")
    assert result.verdict == "INCONCLUSIVE"
    assert "its part listeners-1.history.jsonl has no end record" in " ".join(result.reasons)
    assert "its part listeners-2.history.jsonl is named but missing" in " ".join(result.reasons)
    assert "listeners-3.history.jsonl.zst lies beside it as its part but it does not name it" in " ".join(
        result.reasons
    )
    with (tmp_path / "listeners-1.history.jsonl").open("a") as fh:
        fh.write('{"rec":"obs","kind":"conn')
    assert load(tmp_path / "history.jsonl").wholeness.torn == ["listeners-1.history.jsonl"]


def _died(history: HistoryData, at: float, listener: str = "viewer") -> None:
    history.meta["time_origin"] = 0.0
    data = {"what": "listener process 1 (pid 4242)", "detail": "killed by signal 9", "part": "listeners-1.h.jsonl"}
    history.observations.append(Observation(FAILURE, at, listener, data=data))


def test_a_listener_lost_by_the_harness_is_owed_nothing_from_its_death_and_the_run_is_inconclusive() -> None:
    history = healthy()
    missing(history)
    assert check(history, Contract()).verdict == "FAIL", "the control: a lost event is the backend's"
    _died(history, 1.05)
    result = check(history, Contract())
    assert [f.name for f in result.errors] == [], "the write's window ended after the listener died"
    assert result.verdict == "INCONCLUSIVE"
    assert result.reasons[0] == (
        "the harness's own listener process 1 (pid 4242) stopped 1.1 s into the run (killed by signal 9): "
        "what its 1 listener(s) were owed from then on was not judged"
    )


def test_a_finding_before_the_death_stands_as_evidence_but_cannot_fail_the_run() -> None:
    history = healthy()
    missing(history)
    _died(history, 5.0)
    result = check(history, Contract())
    assert [f.name for f in result.errors] == ["missing-event"], "owed before it died: still judged"
    assert result.verdict == "INCONCLUSIVE"
    assert "its 1 error finding(s) are reported as evidence" in result.reasons[1]


def test_a_dead_listener_is_judged_alike_on_disk_streamed_and_in_memory(tmp_path: Path) -> None:
    """The death is in the main file; the listener's receipts in a part read after it: its stream
    still learns of it."""
    history = history_with(4_000, listeners=4)
    died_at = 1.3
    history.observations = [o for o in history.observations if not (o.listener == "viewer-2" and o.time > died_at)]
    assert {f.listener for f in check(history, Contract()).errors} == {"viewer-2"}, "the control"
    _died(history, died_at, "viewer-2")
    in_memory = check(history, Contract())
    ours = [o for o in history.observations if o.listener != "viewer-2" or o.kind == FAILURE]
    theirs = [o for o in history.observations if o.listener == "viewer-2" and o.kind != FAILURE]
    write_history(HistoryData(history.meta, history.operations, ours), tmp_path / "h.jsonl", {"part": theirs})
    _, on_disk = check_file(tmp_path / "h.jsonl")
    assert in_memory.errors == on_disk.errors == []
    assert on_disk.verdict == in_memory.verdict == "INCONCLUSIVE"
    assert on_disk.judged["missing-event"] == in_memory.judged["missing-event"] > 0


def test_a_recorder_that_cannot_write_is_the_harness_s_failure() -> None:
    history = History(Path("/dev/full"), {"scenario": "full"})  # every write: no space left on the device
    for obs in healthy().observations:
        history.append(obs)
    history.close()
    (failure,) = history.data.of_kind(FAILURE)
    assert failure.data["what"] == "history recorder" and "No space left" in failure.data["detail"]
    data = healthy()
    data.observations.append(failure)
    assert check(data, Contract()).reasons[0].startswith("the harness's own history recorder stopped")


def test_what_a_locust_worker_s_history_lacks_its_merge_lacks_too() -> None:
    whole, cut = healthy(), healthy()
    cut.wholeness.missing.append("listeners-1.history.jsonl.zst")
    merged = merge_histories({"w1": whole, "w2": cut}, Contract())
    assert merged.wholeness.missing == ["w2/listeners-1.history.jsonl.zst"]
    result = check(merged, Contract())
    assert result.verdict == "INCONCLUSIVE"
    assert result.reasons[0].startswith("its part w2/listeners-1.history.jsonl.zst is named but missing")
    assert check(merge_histories({"w1": healthy(), "w2": healthy()}, Contract()), Contract()).verdict == "PASS"


def test_a_part_that_is_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    main = History(tmp_path / "history.jsonl", {"scenario": "parts"})
    main.add_part("listener-process-1", tmp_path / "listeners-1.history.jsonl")
    main.close()
    os.mkfifo(tmp_path / "listeners-1.history.jsonl")
    with pytest.raises(HistoryFormatError, match="a FIFO, not a regular file"):
        load(tmp_path / "history.jsonl")
