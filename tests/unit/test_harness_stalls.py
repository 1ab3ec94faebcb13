"""harness-stall: a late delivery read as its listener's own process resumed from a stall is the
harness's doubt (INCONCLUSIVE, the late-event kept as a warning under it), never the backend's
failure; lateness past the stall, another process's stall, or a listener with no process on record
are judged as before. The watches themselves record a loop held and a thread starved of the
interpreter."""

from __future__ import annotations

import copy
import os
import sys
import time
from pathlib import Path

import pytest

from harness.bots.async_listener import AsyncListenerPool
from harness.bots.loop_watch import STALL, STALL_S, ThreadWatch
from harness.checks import CheckResult, check
from harness.checks.verdict import FAIL, INCONCLUSIVE, PASS
from harness.record.history import History, HistoryData, Observation
from harness.report.groups import group_findings
from harness.spec.contract import Contract
from harness.waiting import wait_until
from tests.histories import harness_stall, healthy, late_event, replace_receipt


def _history(stall=harness_stall, **over) -> HistoryData:
    history = copy.deepcopy(healthy())
    stall(history, **over)
    return history


def test_a_late_delivery_read_after_its_process_stalled_is_the_harnesss_doubt_not_the_backends() -> None:
    result = check(_history(), Contract())

    late = next(f for f in result.findings if f.name == "late-event")
    stall = next(f for f in result.findings if f.name == "harness-stall")
    assert (late.severity, late.cause) == ("warning", "harness-stall: the harness's own listener loop was held "
                                                      "1190 ms, from before it was due until it was read")  # fmt: skip
    assert "resumed from a 1190 ms stall" in late.message
    assert stall.severity == "inconclusive"
    assert stall.actual == [{"process": "host:1", "since": 1.3, "until": 2.49, "ms": 1190.0, "deliveries": 1}]
    assert result.verdict == INCONCLUSIVE
    assert result.reasons == [stall.message]
    assert stall.message.startswith("1 late delivery was read as the harness's own listener loop resumed")
    assert "cannot be told from the backend's" in stall.message
    assert (result.outcomes["late-event"].status, result.outcomes["harness-stall"].status) == ("valid", "unknown")
    assert result.judged["harness-stall"] == 1


def test_the_report_shows_the_stall_as_one_group_with_the_late_delivery_under_it() -> None:
    result = check(_history(), Contract())

    groups = group_findings(result.findings, 1.0)

    assert [(g.name, g.severity, g.consequences) for g in groups] == [
        ("harness-stall", "inconclusive", {"late-event": 1})
    ]
    assert groups[0].summary == next(f.message for f in result.findings if f.name == "harness-stall")


def test_lateness_past_the_stall_is_the_backends() -> None:
    """Held from 2.39 s, after the delivery was due (2.0 s): it was late before the loop was held."""
    result = check(_history(since=2.39), Contract())

    assert [(f.name, f.severity) for f in result.findings] == [("late-event", "error")]
    assert result.verdict == FAIL
    assert (result.outcomes["harness-stall"].status, result.judged["harness-stall"]) == ("valid", 1)


def test_another_processs_stall_leaves_the_late_delivery_to_the_backend() -> None:
    result = check(_history(process="host:2"), Contract())

    assert [(f.name, f.severity) for f in result.findings] == [("late-event", "error")]
    assert result.verdict == FAIL


def test_a_listener_with_no_process_on_record_is_judged_as_before() -> None:
    """A page stamps its own receipts, and an older history names no process: no stall excuses them."""
    history = _history()
    history.observations = [o for o in history.observations if o.kind != "listener"]

    result = check(history, Contract())

    assert [(f.name, f.severity) for f in result.findings] == [("late-event", "error")]
    assert result.judged["harness-stall"] == 0


def test_a_stall_with_no_late_delivery_finds_nothing() -> None:
    history = _history()
    replace_receipt(history, time=1.15)  # on time
    history.observations.sort(key=lambda o: o.time)

    result = check(history, Contract())

    assert result.findings == []
    assert result.verdict == PASS


def test_a_late_delivery_with_no_stall_on_record_stays_the_backends() -> None:
    history = copy.deepcopy(healthy())
    late_event(history)

    assert [(f.name, f.severity) for f in check(history, Contract()).findings] == [("late-event", "error")]


def _stalls(history: History, at_least_s: float) -> list[Observation]:
    """Its stalls that held the loop `at_least_s` (a busy machine may add shorter ones of its own)."""
    return [o for o in history.data.observations if o.kind == STALL and o.data["held_s"] >= at_least_s]


def test_an_asyncio_pools_watch_records_its_loop_held(tmp_path: Path) -> None:
    history = History(tmp_path / "history.jsonl")
    pool = AsyncListenerPool(history)
    try:
        held_s = 0.3
        pool.loop.call_soon_threadsafe(time.sleep, held_s)
        stalls = wait_until(lambda: _stalls(history, held_s), 10)
    finally:
        pool.close()
        history.close()
    assert stalls[0].data["process"].endswith(f":{os.getpid()}")


def test_a_thread_watch_records_the_interpreter_held_from_it(tmp_path: Path) -> None:
    """pysher's listeners are threads: a thread holding the interpreter holds them and the watch alike."""
    history = History(tmp_path / "history.jsonl")
    watch = ThreadWatch(history)
    switch = sys.getswitchinterval()
    try:
        sys.setswitchinterval(1.0)  # this thread keeps the interpreter while it spins
        until = time.monotonic() + 4 * STALL_S
        while time.monotonic() < until:
            pass
        sys.setswitchinterval(switch)
        assert wait_until(lambda: _stalls(history, 3 * STALL_S), 10)
    finally:
        sys.setswitchinterval(switch)
        watch.stop()
        history.close()


def _with_stalls(spans: list[tuple[float, float]]) -> HistoryData:
    """`late_event`'s delivery (invoked at 1.0 s, due at 2.0 s, read at 2.5 s) to the viewer, whose
    process recorded a stall over each (since, until) of `spans`."""
    history = _history(since=2.4)
    history.observations = [o for o in history.observations if o.kind != "harness-stall"]
    for since, until in spans:
        history.observations.append(
            Observation("harness-stall", until, data={"process": "host:1", "held_s": until - since})
        )
    history.observations.sort(key=lambda o: o.time)
    return history


def test_stalls_one_after_another_are_one_span_held_from_before_the_delivery_was_due() -> None:
    """The watch late tick after tick (a loop held, then busy reading its backlog): one span."""
    result = check(_with_stalls([(1.9, 2.1), (2.1, 2.3), (2.3, 2.48)]), Contract())

    assert _named(result) == [("harness-stall", "inconclusive"), ("late-event", "warning")]
    assert [s["ms"] for s in next(f for f in result.findings if f.name == "harness-stall").actual] == [580.0]


def _named(result: CheckResult) -> list[tuple[str, str]]:
    return [(f.name, f.severity) for f in result.findings]


@pytest.mark.parametrize(
    "spans",
    [[(1.9, 2.48), (2.48, 2.6)], [(1.9, 2.1), (2.1, 2.8)]],
    ids=["late-again-while-reading-its-backlog", "read-before-the-watch-woke"],
)
def test_a_delivery_read_inside_a_span_held_from_before_it_was_due_is_the_harnesss_doubt(
    spans: list[tuple[float, float]],
) -> None:
    """The loop reads what came before the watch wakes, and reading a backlog at length makes the
    watch late again: a frame read inside the span is as much the stall's as one read at its end."""
    assert _named(check(_with_stalls(spans), Contract())) == [
        ("harness-stall", "inconclusive"),
        ("late-event", "warning"),
    ]


def test_stalls_with_a_tick_on_time_between_them_are_two_spans() -> None:
    """On time once at 2.2 s, the loop read then what the first stall held: the second began after
    the delivery was due."""
    assert _named(check(_with_stalls([(1.9, 2.2), (2.22, 2.48)]), Contract())) == [("late-event", "error")]


def test_a_stall_the_loop_resumed_from_long_before_the_delivery_was_read_excuses_nothing() -> None:
    """Held before the delivery was due, but resumed 300 ms before it was read: a frame that came in
    that stall was read as it ended, so this one came after, late by the backend's doing; and a stall
    begun after it was due is no excuse either, however much of its flight the stalls cover."""
    result = check(_with_stalls([(1.1, 2.2), (2.3, 2.49)]), Contract())

    assert [(f.name, f.severity) for f in result.findings] == [("late-event", "error")]
