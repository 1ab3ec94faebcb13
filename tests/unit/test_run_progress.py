"""The live progress line: counts, failures, and findings over the writes that have settled."""

from __future__ import annotations

import io
import re
import threading
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from harness.bots.endpoint import PusherEndpoint
from harness.bots.fleet import ListenerFleet
from harness.bots.recorder import ListenerRecorder
from harness.cli.live import LiveProgress, counted
from harness.record.history import History, HistoryData, load
from harness.record.history_file import HISTORY_NAME
from harness.run.context import Budget
from harness.run.progress import Progress, ProgressWatch
from harness.run.residue import Residue
from harness.spec.contract import Contract
from harness.spec.scenario import RunSection
from harness.testing import following, wait_until
from tests.histories import healthy, missing


def _watch(data: HistoryData, latency_s: float = 1.0) -> ProgressWatch:
    history = following(data)
    return ProgressWatch(history, ListenerFleet(PusherEndpoint("key"), history, "asyncio"), Contract(), latency_s)


def test_settled_writes_without_their_event_are_counted_while_the_run_goes_on() -> None:
    data = healthy()
    missing(data)
    assert _watch(data).findings_so_far() == 1


def test_a_delivered_write_counts_no_finding() -> None:
    assert _watch(healthy()).findings_so_far() == 0


def test_writes_younger_than_the_latency_limit_are_not_judged_yet() -> None:
    data = healthy()
    missing(data)
    assert _watch(data, latency_s=1e9).findings_so_far() == 0


def test_failures_count_unanswered_and_server_errors(tmp_path: Path) -> None:
    """Counted as operations complete: a run that keeps none in memory (`operations=False`, its memory
    flat however long it plays) still counts them, and still knows what it left in the books."""
    first = healthy().operations[0]
    movement = replace(first, id=5, kind="add_movement", body={"movement": {"id": 41}})
    history = History(tmp_path / HISTORY_NAME, operations=False)
    left = Residue()
    history.on_complete(left.take)
    for op in (first, replace(first, id=2, type="info", status=None), replace(first, id=3, type="fail", status=503),
               replace(first, id=4, type="fail", status=409), movement):  # fmt: skip
        history.add_operation(op)
    history.close()
    watch = ProgressWatch(history, ListenerFleet(PusherEndpoint("key"), history, "asyncio"), Contract(), 1.0)
    progress = watch.progress(watch.history.now(), None)
    assert (progress.operations, progress.failures, progress.receipts) == (5, 2, 0)
    assert history.data.operations == [] and not history.whole
    assert left.found() == {
        "movements": [41], "despite_error": [], "approvals": [], "stock_changed": [], "stock_unread": None
    }  # fmt: skip
    assert [op.id for op in load(tmp_path / HISTORY_NAME).operations] == [1, 2, 3, 4, 5]


def test_each_count_takes_only_what_was_recorded_since_the_last() -> None:
    """The live check is fed, not re-run: a write recorded after the first count, whose event never
    came, is counted by the next one, and the first write's finding is not counted twice."""
    data = healthy()
    missing(data)
    watch = _watch(data)
    assert watch.findings_so_far() == 1
    second = replace(data.operations[0], id=2, invoke=3.0, complete=3.1)
    watch.history.add_operation(second)
    assert watch.findings_so_far() == 2
    assert watch.findings_so_far() == 2


def test_the_watch_reports_until_stopped_and_fills_in_findings() -> None:
    data = healthy()
    missing(data)
    reports: list[Progress] = []
    stop = threading.Event()
    thread = threading.Thread(target=_watch(data).run, args=(stop, reports.append))
    thread.start()
    try:
        wait_until(lambda: any(p.findings is not None for p in reports), timeout=10)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert reports[0].findings is None and reports[-1].findings == 1
    assert [p.elapsed for p in reports] == sorted(p.elapsed for p in reports)


def test_a_recorder_tells_each_change_and_the_history_counts_its_receipts() -> None:
    """What a listener worker's status is made of: the listeners that changed, and a count, so it never
    walks its thousands of listeners to say them."""
    history, changed = History(), []
    recorder = ListenerRecorder("viewer-1", ["stocktake-1"], history, on_change=changed.append)
    recorder.connected("1.1")
    recorder.subscription_succeeded("stocktake-1")
    for _ in range(3):
        recorder.receipt("stocktake-1", "line-counted-updated", "{}")
    recorder.subscription_failed("stocktake-2", "pusher:error 4009")
    recorder.disconnected(4200)
    assert changed == ["viewer-1"] * 4, "connect, subscribe, a refusal and the disconnect; not the receipts"
    assert history.receipts == 3


def _pairs(text: str) -> list[tuple[int, int]]:
    return [(int(n), int(m)) for n, m in re.findall(r"(\d+)/(\d+)", text)]


def test_the_count_says_planned_counter_steps_and_never_passes_the_plan() -> None:
    """A run of 5 planned steps that recorded 12 requests (setup, reads, intruders...) once said
    "12/5 ops": the steps come from the budget, the requests are counted apart and named so."""
    data = healthy()
    data.operations += [replace(data.operations[0], id=n, invoke=1.0 + n / 10) for n in range(2, 13)]
    budget = Budget(5, 60.0, threading.Event())
    while budget.take():
        pass
    watch = replace(_watch(data), budget=budget)
    progress = watch.progress(watch.history.now(), 0)
    assert (progress.steps, progress.operations) == (5, 12)
    bounds = RunSection(operations=5)
    text = counted(progress, bounds)
    assert text.startswith(f"{progress.elapsed:.0f} s: 5/5 planned counter steps · 12 requests · ")
    assert all(n <= m for n, m in _pairs(text)), text
    live = LiveProgress(Console(file=io.StringIO()), bounds)
    live.update(progress)
    assert live.bar.tasks[0].completed == 5 and live.bar.tasks[0].total == 5


def test_a_time_bound_run_counts_seconds_of_its_duration_and_says_so() -> None:
    bounds = RunSection(operations=1_000_000, duration_s=10, until="time")
    late = Progress(elapsed=12.4, operations=900, receipts=4000, failures=1, findings=None, steps=300)
    text = counted(late, bounds)
    assert text.startswith("10/10 s of a time-bound run · 300 counter steps · 900 requests · 4000 deliveries")
    assert text.endswith("1 5xx · … findings")
    assert all(n <= m for n, m in _pairs(text)), text
    live = LiveProgress(Console(file=io.StringIO()), bounds)
    live.update(late)
    assert live.bar.tasks[0].completed == 10


def test_without_a_budget_the_line_counts_requests_alone() -> None:
    """Progress from a watch that was given no budget names no plan rather than invent one."""
    text = counted(Progress(3.0, 41, 7, 0, 2), RunSection(operations=30))
    assert text == "3 s: 41 requests · 7 deliveries · 0 5xx · 2 findings"
