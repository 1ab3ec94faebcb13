"""harness-stall: a late delivery read as its listener's own process resumed from a stall, or sent
while its writer's process was held as long as it was late, is the harness's doubt (INCONCLUSIVE,
the late-event kept as a warning under it), never the backend's failure; lateness past the stall,
another process's stall, or a listener or writer with no process on record are judged as before.
The watches themselves record a loop held and a thread starved of the interpreter, and a run's
counters name the process they write from."""

from __future__ import annotations

import copy
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.bots.async_listener import AsyncListenerPool
from harness.bots.browser_listener import BrowserListener
from harness.bots.endpoint import PusherEndpoint
from harness.bots.fleet import ListenerFleet
from harness.bots.loop_watch import STALL, STALL_S, ThreadWatch, writers_label
from harness.bots.recorder import ListenerRecorder
from harness.checks import CheckResult, check
from harness.checks.live import LiveCheck
from harness.checks.verdict import FAIL, INCONCLUSIVE, PASS
from harness.load.feed import LiveFeed
from harness.record.history import History, HistoryData, Observation
from harness.report.groups import group_findings
from harness.spec.contract import Contract
from harness.testing import following
from harness.waiting import wait_until
from tests.histories import (
    DETAIL,
    LINE,
    event_text,
    harness_stall,
    healthy,
    late_event,
    receipt,
    replace_receipt,
    writer_stall,
)


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
    assert stall.actual == [
        {"side": "listener", "process": "host:1", "since": 1.3, "until": 2.49, "ms": 1190.0, "deliveries": 1}
    ]
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


@pytest.mark.parametrize(("stall", "kind"), [(harness_stall, "listener"), (writer_stall, "writer")])
def test_a_listener_or_counter_with_no_process_on_record_is_judged_as_before(stall: Callable, kind: str) -> None:
    """A history older than the watches names no process: no stall excuses its late deliveries."""
    history = _history(stall)
    history.observations = [o for o in history.observations if o.kind != kind]

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


def _hold_the_interpreter(seconds: float) -> None:
    """Spin in this thread without letting another run meanwhile."""
    switch = sys.getswitchinterval()
    try:
        sys.setswitchinterval(1.0)  # this thread keeps the interpreter while it spins
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            pass
    finally:
        sys.setswitchinterval(switch)


def test_a_thread_watch_records_the_interpreter_held_from_it(tmp_path: Path) -> None:
    """pysher's listeners are threads: a thread holding the interpreter holds them and the watch alike."""
    history = History(tmp_path / "history.jsonl")
    watch = ThreadWatch(history)
    try:
        _hold_the_interpreter(4 * STALL_S)
        assert wait_until(lambda: _stalls(history, 3 * STALL_S), 10)
    finally:
        watch.stop()
        history.close()


def test_the_process_sending_counters_writes_is_watched_though_no_listener_runs_in_it(tmp_path: Path) -> None:
    """Its counters' own listeners may be pages and the rest in worker processes: the fleet watches it
    all the same, and the record names it as the process the counter's writes are sent from."""
    history = History(tmp_path / "history.jsonl")
    fleet = ListenerFleet(PusherEndpoint("key", port=1), history, "asyncio")
    try:
        fleet.watch_writer("counter-1", servers=True)
        _hold_the_interpreter(4 * STALL_S)
        stalls = wait_until(lambda: _stalls(history, 3 * STALL_S), 10)
    finally:
        fleet.stop()
        history.close()
    (writer,) = [o.data for o in history.data.observations if o.kind == "writer"]
    assert writer == {"actor": "counter-1", "process": writers_label(), "servers": True, "page": None}
    assert writers_label() in {o.data["process"] for o in stalls}, "the counters' threads' own watch"


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


def _named(result: CheckResult | LiveCheck) -> list[tuple[str, str]]:
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


def test_a_late_delivery_whose_writer_was_held_as_long_in_its_flight_is_the_harnesss_doubt() -> None:
    """The write's process was held from before its invoke (1.0 s) until 1.6 s, and answered at 1.7 s:
    it may have gone out 600 ms late, and the delivery was 500 ms late."""
    result = check(_history(writer_stall), Contract())

    late = next(f for f in result.findings if f.name == "late-event")
    stall = next(f for f in result.findings if f.name == "harness-stall")
    assert (late.severity, late.cause) == ("warning", "harness-stall: the harness's own writer process was held "
                                                      "600 ms as the write was leaving, as long as the delivery was "
                                                      "late or longer")  # fmt: skip
    assert late.message.endswith(", sent as the harness's own writer process was held 600 ms of its flight")
    assert stall.actual == [
        {"side": "writer", "process": "host:9", "since": 0.95, "until": 1.6, "ms": 650.0, "deliveries": 1}
    ]
    assert stall.message.startswith("1 late delivery was sent as the harness's own writer process was held "
                                    "(once in writer process host:9, up to 650 ms")  # fmt: skip
    assert (result.verdict, result.reasons) == (INCONCLUSIVE, [stall.message])
    assert result.judged["harness-stall"] == 1


def test_the_longest_hold_as_the_write_was_leaving_is_the_one_held_against_the_lateness() -> None:
    """A short stall at the invoke (40 ms) and a long one just after (645 ms, apart by more than a tick,
    begun while the write may still have been leaving): the long one may explain the 500 ms."""
    both = {"since": 1.0, "until": 1.04, "stalls": ((1.055, 1.7),), "answered": 1.75}
    result = check(_history(writer_stall, **both), Contract())

    assert _named(result) == [("harness-stall", "inconclusive"), ("late-event", "warning")]
    assert "held 645 ms of its flight" in next(f for f in result.findings if f.name == "late-event").message


def test_a_writers_stall_after_its_answer_is_held_against_it_when_the_embedded_servers_share_its_process() -> None:
    """The write was answered at 1.1 s; its process was held from 1.2 s to 1.9 s. Sent by then, it was
    late by the backend's doing, unless the backend and Pusher server ran in that process and were held
    with it before it was read."""
    after = {"since": 1.2, "until": 1.9, "answered": 1.1}
    assert _named(check(_history(writer_stall, **after), Contract())) == [("late-event", "error")]

    result = check(_history(writer_stall, **after, servers=True), Contract())

    late = next(f for f in result.findings if f.name == "late-event")
    assert (late.severity, late.cause) == ("warning", "harness-stall: the harness's own writer process was held "
                                                      "700 ms between the write's invoke and the delivery's read, the "
                                                      "embedded servers with it, as long as the delivery was late or "
                                                      "longer")  # fmt: skip
    assert result.verdict == INCONCLUSIVE


@pytest.mark.parametrize(
    ("over", "why"),
    [
        ({"since": 1.0, "until": 1.3}, "held 300 ms, the delivery 500 ms late"),
        ({"since": 1.75, "until": 2.45}, "held after the write was answered: it had gone out"),
        ({"since": 1.1, "until": 1.65}, "held from 100 ms after the invoke: it had left by then"),
        ({"since": 0.2, "until": 0.99}, "held before the invoke: the write was stamped after it"),
        ({"process": "host:8"}, "another process held"),
    ],
    ids=[
        "shorter-than-the-lateness",
        "after-the-answer",
        "after-it-left",
        "before-the-invoke",
        "another-process",
    ],
)
def test_a_writers_stall_that_cannot_explain_the_lateness_leaves_it_to_the_backend(over: dict, why: str) -> None:
    result = check(_history(writer_stall, **over), Contract())

    assert [(f.name, f.severity) for f in result.findings] == [("late-event", "error")], why
    assert result.verdict == FAIL
    assert result.judged["harness-stall"] == 1


def test_a_listeners_stall_begun_after_the_delivery_was_due_leaves_it_to_the_writers() -> None:
    """The viewer's loop was held from 2.39 s, after the delivery was due: not its doing; the writer's
    process, held 600 ms of the write's flight, may explain it."""
    history = _history(since=2.39)
    writer_stall(history)

    result = check(history, Contract())

    assert [row["side"] for row in next(f for f in result.findings if f.name == "harness-stall").actual] == ["writer"]


def test_a_write_fetched_through_its_counters_page_is_held_against_the_pages_stalls_until_its_answer() -> None:
    """A counter whose browser is a page writes through the page's fetch: the page's main thread held
    600 ms of the write's flight may have sent it that late; held only after the answer, it did not."""
    page = "host:9/page/counter-1-browser"
    result = check(_history(writer_stall, process=page, page=page), Contract())

    assert _named(result) == [("harness-stall", "inconclusive"), ("late-event", "warning")]
    assert next(f for f in result.findings if f.name == "harness-stall").actual[0]["process"] == page
    after = {"process": page, "page": page, "since": 1.75, "until": 2.45, "servers": True}
    assert _named(check(_history(writer_stall, **after), Contract())) == [("late-event", "error")]
    served = check(_history(writer_stall, process=page, page=page, servers=True), Contract())
    assert "held 600 ms as the write was leaving" in next(f.cause for f in served.findings if f.name == "late-event")


def test_stalls_of_both_sides_are_one_finding_that_names_each() -> None:
    """The listener's loop explains one delivery, the writer's process another's."""
    history = _history()
    writer_stall(history)
    history.observations = [o for o in history.observations if o.kind != "receipt"] + [
        receipt("viewer", 2.45, event_text(LINE)),
        receipt("counter-2-viewer", 2.5, event_text(LINE)),
    ]
    history.observations += [
        Observation("connect", 0.0, "counter-2-viewer", "3.3"),
        Observation("subscribed", 0.1, "counter-2-viewer", "3.3", DETAIL),
    ]
    history.observations.sort(key=lambda o: o.time)

    result = check(history, Contract())

    stall = next(f for f in result.findings if f.name == "harness-stall")
    assert [row["side"] for row in stall.actual] == ["writer", "listener"]
    assert stall.message.startswith("1 late delivery was read as the harness's own listener loop resumed from a "
                                    "stall (once in listener process host:1")  # fmt: skip
    assert " and 1 delivery was sent as the harness's own writer process was held (once in writer process host:9" in (
        stall.message
    )
    assert sorted((f.listener, f.cause.split(":")[1].split(" was ")[0]) for f in result.findings if f.cause) == [
        ("counter-2-viewer", " the harness's own writer process"),
        ("viewer", " the harness's own listener loop"),
    ]


@pytest.mark.parametrize("stall", [harness_stall, writer_stall], ids=["listener", "writer"])
def test_the_live_check_holds_late_deliveries_against_the_stalls_on_record_so_far(stall: Callable) -> None:
    """Locust's rows and Sync tab and the CLI's progress say what the report will: as soon as the late
    delivery and the stall are both on record, the delivery is the stall's warning, its change's sample
    no failure, and nothing is an error."""
    history = _history(stall)
    history.operations[0] = dataclasses.replace(history.operations[0], complete=1.7)  # read in its window
    recorder = following(history)
    feed = LiveFeed(Contract(), 1.0, recorder)

    rows = feed.rows(recorder, 5.0)  # after the delivery (2.5 s), its window's close and the lag

    assert feed.check.errors == [] and feed.findings == {}
    assert _named(feed.check) == [("late-event", "warning"), ("harness-stall", "inconclusive")]
    assert [(row.name, row.failure) for row in rows if row.kind == "PUSHER"] == [("line-counted-updated", None)]
    feed.rows(recorder, None)
    final = check(history, Contract())
    assert sorted(_named(feed.check)) == sorted(_named(final))


def test_the_live_check_still_fails_a_change_late_by_the_backends_doing() -> None:
    history = _history(writer_stall, since=1.0, until=1.3)  # held 300 ms, the delivery 500 ms late
    recorder = following(history)
    feed = LiveFeed(Contract(), 1.0, recorder)

    rows = feed.rows(recorder, 5.0)  # after the delivery (2.5 s), its window's close and the lag

    assert [(row.name, row.failure) for row in rows if row.kind == "PUSHER"] == [("line-counted-updated", "late-event")]
    assert feed.findings == {"late-event": 1}


def test_a_pages_stamps_and_stalls_stay_on_the_hosts_clock_though_the_wall_clock_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page stamps with the wall clock at its opening plus its own monotonic time since: read by
    that opening's offset, a wall clock stepped afterwards (NTP) moves none of its stamps against the
    host's; a stall it reports is on record under its own process, on the same clock."""
    history = History(tmp_path / "history.jsonl")
    listener = BrowserListener(PusherEndpoint("key"), ListenerRecorder("page-1", [DETAIL], history), None)  # type: ignore[arg-type]
    opened = time.time() - time.monotonic()
    wall = time.time
    monkeypatch.setattr(time, "time", lambda: wall() + 5.0)
    second_after = time.monotonic() + 1.0
    page_clock_ms = (second_after + opened) * 1000

    listener._record("receipt", DETAIL, "line-counted-updated", "{}", page_clock_ms)
    listener._record("stall", None, None, 120.0, page_clock_ms)

    (receipt_, stall) = [o for o in history.data.observations if o.kind in ("receipt", STALL)]
    assert abs(receipt_.time - second_after) < 0.01 and abs(stall.time - second_after) < 0.01
    assert stall.data == {"process": listener.process, "held_s": 0.12} and listener.process.endswith("/page/page-1")
    history.close()
