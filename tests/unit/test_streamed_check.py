"""The final check of a history on disk, read once as a stream (`checks.streamed`): it judges as the
check of the whole history in memory does, holds the window rather than the file, keeps each
listener process's records in a stream of their own, and checks a file out of time order whole."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness import check_file as reading
from harness.check_file import check_file
from harness.checks import check
from harness.checks.stream import GRACE_S
from harness.checks.streamed import FEED_EVERY, SLACK_S, StreamedRead
from harness.record.history import HistoryData, Observation, read_meta
from harness.record.history_file import HISTORY_NAME
from harness.record.records import SLOTS, ReceiptTally
from harness.report.model import build_report
from harness.spec.contract import Contract
from harness.testing import history_with, write_history


@pytest.fixture(autouse=True)
def _streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These histories are small enough to be checked as a frame: they are read as a stream here, not
    by the columnar engine in shares of the listeners."""
    monkeypatch.setattr(reading, "FRAME_MOST", -1)
    monkeypatch.setattr(reading, "check_in_shares", lambda *_: None)


def _judged_alike(history: HistoryData, path: Path) -> tuple[HistoryData, list[tuple[object, ...]]]:
    whole = check(history, Contract())
    light, streamed = check_file(path)
    findings = sorted((f.name, f.operation, f.listener, f.event) for f in whole.findings)
    assert sorted((f.name, f.operation, f.listener, f.event) for f in streamed.findings) == findings
    assert (streamed.verdict, streamed.counts, streamed.judged) == (whole.verdict, whole.counts, whole.judged)
    assert streamed.latency == whole.latency
    return light, findings


def _viewer(n: int) -> str:
    return f"viewer-{n}"


def test_a_history_on_disk_is_judged_as_the_whole_history_in_memory(tmp_path: Path) -> None:
    history = history_with(20_000, listeners=10)
    lost = {id(o) for o in history.observations[2_000:2_030] if o.kind == "receipt"}
    history.observations = [o for o in history.observations if id(o) not in lost]
    history.observations.append(history.observations[5_000])  # one copy twice
    write_history(history, tmp_path / HISTORY_NAME)
    light, findings = _judged_alike(history, tmp_path / HISTORY_NAME)
    assert [name for name, *_ in findings].count("missing-event") == len(lost)
    assert [name for name, *_ in findings].count("duplicate-event") == 1
    assert light.tally is not None and not any(o.kind == "receipt" for o in light.observations)
    report = build_report(light, check_file(tmp_path / HISTORY_NAME)[1], [], 1.0)
    assert sum(report.timeline.deliveries) == 20_000 - len(lost) + 1
    for name, rows in report.timeline.listeners.items():
        assert sum(rows["receipts"]) == light.tally.by_listener[name]


def test_a_listener_process_s_records_folded_in_at_the_end_are_a_stream_of_their_own(tmp_path: Path) -> None:
    """Its records come after the run's in the file but span the whole run: in the run's stream they
    would be out of time order. Its missing deliveries are still found, without reading it whole."""
    history = history_with(20_000, listeners=10)
    theirs = {_viewer(n) for n in range(5, 10)}
    folded = [o for o in history.observations if o.listener in theirs]
    history.observations = [o for o in history.observations if o.listener not in theirs]
    lost = folded[3_000:3_005]
    folded = [o for o in folded if o not in lost]
    write_history(history, tmp_path / HISTORY_NAME, {"listener-process-1": folded})
    everything = HistoryData(history.meta, history.operations, history.observations + folded)
    light, findings = _judged_alike(everything, tmp_path / HISTORY_NAME)
    assert sorted(f[2] for f in findings) == sorted(str(o.listener) for o in lost)
    assert light.tally is not None, "read as a stream, not whole"


def test_a_file_out_of_time_order_is_checked_whole_with_the_same_verdict(tmp_path: Path) -> None:
    """The same records with no segment said: a stream would have judged the run before their
    subscriptions arrived, and found every delivery to them unexpected. It reads the file whole."""
    history = history_with(20_000, listeners=10, every_s=0.01)
    theirs = {_viewer(n) for n in range(5, 10)}
    folded = [o for o in history.observations if o.listener in theirs]
    assert len(history.observations) - len(folded) > FEED_EVERY  # the run's stream judges before they come
    history.observations = [o for o in history.observations if o.listener not in theirs] + folded
    write_history(history, tmp_path / HISTORY_NAME)
    light, findings = _judged_alike(history, tmp_path / HISTORY_NAME)
    assert findings == [] and light.tally is None


def test_reading_a_long_history_holds_one_window_of_writes(tmp_path: Path) -> None:
    """120 s of writes, ten a second: the streams hold the writes of the window (latency limit, grace,
    slack), never the file's 1,200."""
    history = history_with(60_000, listeners=50, every_s=0.1)
    write_history(history, tmp_path / HISTORY_NAME)
    reader = StreamedRead(read_meta(tmp_path / HISTORY_NAME)[0], Contract(), 2.0)
    light, part = reading._read_as(reader, tmp_path / HISTORY_NAME)
    assert part.matched == 60_000 and part.findings == []
    assert 0 < reader.held_most <= (2.0 + GRACE_S + SLACK_S + 2) * 10 < len(history.operations) / 2


def test_a_tally_keeps_every_receipt_near_its_time_however_long_the_run() -> None:
    tally = ReceiptTally(origin=200.0)  # the first receipt comes earlier: it is the origin
    times = [100.0 + i * 0.37 for i in range(10_000)]  # about an hour
    for t in times:
        tally.add("viewer-1" if t < 1000 else "viewer-2", t)
    assert tally.width * SLOTS >= times[-1] - 100.0 > tally.width * SLOTS / 2
    assert sum(n for _, n in tally.counted(every=True)) == 10_000
    assert tally.by_listener == {"viewer-1": 2433, "viewer-2": 10_000 - 2433}
    slot_of = Counter(int((t - 100.0) / tally.width) for t in times if t < 1000)  # the final width's slots
    assert {round((middle - 100.0) / tally.width - 0.5): n for middle, n in tally.counted("viewer-1")} == slot_of
    assert (tally.first, tally.last) == (times[0], times[-1])


def test_a_segment_is_said_to_the_reader(tmp_path: Path) -> None:
    history = history_with(100, listeners=2)
    write_history(history, tmp_path / HISTORY_NAME, {"listener-process-1": [Observation("connect", 5.0, "v", "1")]})
    said: list[str] = []
    from harness.record.history import load

    load(tmp_path / HISTORY_NAME, None, said.append)
    assert said == ["listener-process-1"]


def test_read_by_two_processes_a_share_of_the_listeners_each_it_judges_as_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(reading, "PARALLEL_MIN_LINES", 0)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    history = history_with(20_000, listeners=10, every_s=0.01)
    theirs = {_viewer(n) for n in range(6, 10)}
    folded = [o for o in history.observations if o.listener in theirs]
    history.observations = [o for o in history.observations if o.listener not in theirs]
    lost = [folded[2_000], history.observations[9_000]]
    folded.remove(lost[0])
    history.observations.remove(lost[1])
    write_history(history, tmp_path / HISTORY_NAME, {"listener-process-1": folded})
    everything = HistoryData(history.meta, history.operations, history.observations + folded)
    assert reading._readers(read_meta(tmp_path / HISTORY_NAME)[1]) == 2
    assert {StreamedRead({}, Contract(), 2.0, (0, 2)).mine(o.listener) for o in lost} == {True, False}
    light, findings = _judged_alike(everything, tmp_path / HISTORY_NAME)
    assert sorted(f[2] for f in findings) == sorted(str(o.listener) for o in lost)
    assert light.tally is not None and sum(light.tally.by_listener.values()) == 20_000 - 2
    assert {o.listener for o in light.observations if o.kind == "subscribed"} == {_viewer(n) for n in range(10)}
