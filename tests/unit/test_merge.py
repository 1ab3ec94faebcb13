"""Merging Locust workers' histories: the merged check finds what each worker's own check finds."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.checks import check
from harness.cli import main
from harness.load.merge import mark_cut, merge_histories
from harness.load.run_folder import check_workers, worker_file, worker_histories
from harness.record.history import HistoryData, Observation
from harness.spec.contract import Contract
from harness.testing import write_history
from tests.histories import harness_stall, healthy, missing, writer_stall


def _worker(clock: float, quiesced: float, defect: Callable[[HistoryData], None] | None) -> HistoryData:
    """A healthy() history on a clock `clock` seconds ahead, whose listeners stop just after
    its quiescence, as a worker's do; with `defect` made in it (`tests/histories.py`)."""
    h = healthy()
    if defect is not None:
        defect(h)
    h.observations.append(Observation("disconnect", quiesced + 0.1, "viewer", "1.1"))
    h.observations.append(Observation("disconnect", quiesced + 0.1, "counter-1-browser", "2.2"))
    return HistoryData(
        {**h.meta, "quiesced_at": quiesced + clock},
        [replace(op, invoke=op.invoke + clock, complete=(op.complete or op.invoke) + clock) for op in h.operations],
        [replace(o, time=o.time + clock) for o in h.observations],
    )


def _findings(history: HistoryData) -> list[tuple[str, str | None]]:
    return sorted((f.name, f.listener) for f in check(history, Contract()).findings)


def test_each_worker_is_judged_by_its_own_quiescence_and_clock() -> None:
    """Worker a quiesces 0.4 s after its write (inside the 1 s latency window) and stops its
    listeners; worker b runs on another machine's clock. Judged by b's quiescence, a's viewer
    would look cut off (a gap) and a's writer's own browser owed its echo."""
    parts = {"a": _worker(0.0, 1.5, defect=missing), "b": _worker(86_400.0, 1.7, defect=None)}
    alone = {worker: _findings(data) for worker, data in parts.items()}
    assert alone == {"a": [("missing-event", "viewer")], "b": []}
    merged = merge_histories(parts, Contract())
    assert _findings(merged) == [("missing-event", "a/viewer")]
    assert merged.meta["quiesced_at"] == 86_401.7


PAGE = "host:9/page/counter-1-browser"


@pytest.mark.parametrize(
    ("stall", "process"),
    [
        (harness_stall, "host:1"),
        (writer_stall, "host:9"),
        (functools.partial(writer_stall, process=PAGE, page=PAGE), PAGE),
    ],
    ids=["listener", "writer", "writers-page"],
)
def test_a_worker_s_stall_is_held_against_its_late_delivery_on_another_machine_s_clock(
    stall: Callable[[HistoryData], None], process: str
) -> None:
    """A stall is recorded as a span ending when it was noticed, so a worker shifted to the common
    quiescence keeps it whole: its late delivery is still the harness's doubt, not the backend's,
    whether its listener's process or its counter's (or the page it writes through) was held, each
    named as the worker's, as its writes are: two machines' pids may be alike."""
    parts = {"a": _worker(0.0, 3.0, defect=None), "b": _worker(86_400.0, 3.0, defect=stall)}
    result = check(merge_histories(parts, Contract()), Contract())
    assert sorted((f.name, f.listener, f.severity) for f in result.findings) == [
        ("harness-stall", None, "inconclusive"), ("late-event", "b/viewer", "warning")
    ]  # fmt: skip
    assert result.verdict == "INCONCLUSIVE"
    assert {row["process"] for f in result.findings if f.name == "harness-stall" for row in f.actual} == {
        f"b/{process}"
    }


def test_a_worker_is_shifted_whole_so_its_times_keep_their_distances() -> None:
    data = _worker(0.0, 1.5, defect=None)
    merged = merge_histories({"a": data, "b": _worker(10.0, 1.5, defect=None)}, Contract())
    shift = merged.meta["quiesced_at"] - data.meta["quiesced_at"]

    def times(h: HistoryData, ops: int, observations: int) -> list[float]:
        return [t for op in h.operations[:ops] for t in (op.invoke, op.complete)] + [
            o.time for o in h.observations[:observations]
        ]

    mine = times(merged, len(data.operations), len(data.observations))
    assert mine == pytest.approx([t + shift for t in times(data, len(data.operations), len(data.observations))])
    assert shift == pytest.approx(10.0)


def test_the_merged_meta_is_the_sum_of_its_workers() -> None:
    """Every worker's stocktakes, probed channels (named as its observations are), leftovers and
    steps; before, the first worker's meta stood for all and the exposure check judged 2 probes
    while finding 4."""
    contract = Contract()
    a, b = _worker(0.0, 1.5, defect=None), _worker(0.0, 1.5, defect=None)
    channel = contract.channel("list", "h")
    for data, created in ((a, [1, 5]), (b, [1])):
        residue = {"movements": created[:1], "approvals": [], "stock_unread": "403 on /items/"}
        data.meta.update(created=created, left_behind=[], exposure_probed=[channel], steps=3, residue=residue)
        data.observations.append(Observation("warning", 1.0, channel=channel, data={"name": "public-channel-exposure"}))
    merged = merge_histories({"a": a, "b": b}, contract)
    assert merged.meta["created"] == [1, 5, 1] and merged.meta["steps"] == 6
    assert merged.meta["residue"] == {"approvals": [], "movements": [1, 1], "stock_unread": "403 on /items/"}
    assert merged.meta["exposure_probed"] == [contract.channel("list", "a.h"), contract.channel("list", "b.h")]
    assert merged.meta["by_worker"]["a"]["created"] == [1, 5]
    result = check(merged, contract)
    exposure = sum(f.name == "public-channel-exposure" for f in result.findings)
    assert exposure == 2 and result.judged["public-channel-exposure"] == 2


def test_an_operation_cut_off_at_stop_is_named_cut() -> None:
    data = _worker(0.0, 1.5, defect=None)
    cut = replace(data.operations[-1], id=99, type="invoke", complete=None, status=None, body=None)
    data.operations.append(cut)
    assert mark_cut(data) == [99] and data.meta["cut"]["operations"] == 1
    assert mark_cut(_worker(0.0, 1.5, defect=None)) == []


def test_a_distributed_run_s_folder_is_rechecked_as_its_master_checked_it(tmp_path: Path) -> None:
    """The master writes each worker's history as history-WORKER.jsonl.zst and checks them merged;
    `stocksync check FOLDER` finds those files and checks them by the same function: the same verdict,
    the same findings, named by worker."""
    parts = {"a": _worker(0.0, 1.5, defect=missing), "b": _worker(86_400.0, 1.7, defect=None)}
    for worker, data in parts.items():
        write_history(data, tmp_path / worker_file(worker))
    assert worker_histories(tmp_path) == {w: tmp_path / worker_file(w) for w in parts}
    merged, master = check_workers(worker_histories(tmp_path))
    assert merged.meta["workers"] == ["a", "b"] and merged.wholeness.whole
    out = tmp_path / "again"
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--out", str(out), "--quiet"])
    report = json.loads((out / "report.json").read_text())
    assert result.exit_code == 1, result.output
    assert (report["verdict"], report["counts"]) == (master.verdict, master.counts)
    assert (
        sorted((f["name"], f["listener"]) for f in report["findings"])
        == sorted((f.name, f.listener) for f in master.findings)
        == [("missing-event", "a/viewer")]
    )


def test_a_folder_with_neither_a_history_nor_worker_histories_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "history-WORKER.jsonl.zst" in result.output


def test_a_worker_whose_servers_log_was_not_read_whole_leaves_the_merged_run_inconclusive() -> None:
    """The first worker's log read whole says nothing of the second's: the merged run injected faults
    and does not know what fired on the second worker's servers."""
    a, b = _worker(0.0, 1.5, defect=None), _worker(0.0, 1.5, defect=None)
    for data in (a, b):
        data.meta.update(faults=["partial-line"], server_log={"read": True})
    merged = merge_histories({"a": a, "b": b}, Contract())
    assert check(merged, Contract()).verdict == "PASS", "the control: both workers' logs read whole"
    b.meta["server_log"] = {"read": True, "backend_unread": "the backend answered 502 for its log of injected faults"}
    result = check(merge_histories({"a": a, "b": b}, Contract()), Contract())
    assert result.verdict == "INCONCLUSIVE" and result.reasons == [
        "it injected partial-line, but worker b: the backend answered 502 for its log of injected faults: which "
        "fired, and whether a check saw each, is unknown"
    ]
