"""The stream takes a healthy receipt without building a `Receipt` (`ListenerStream._receipt`) and
judges any other in full (`_judge`). Judged in full, every receipt must come out the same: the same
findings in the same order, counts, latencies, slowest deliveries and deliveries logged. Histories
from the drivers' property model (`tests/property/sync_model.py`): copies on time, late, stale,
duplicated, echoed, reordered, dropped, across disconnects and re-saves."""

from __future__ import annotations

from typing import Any
from unittest import mock

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.checks.model import Receipt
from harness.checks.parts import Part, listener_part
from harness.checks.stream import ListenerStream
from harness.record.records import Observation
from harness.spec.contract import Contract
from harness.testing import history_with
from tests.property.sync_model import ANSWERS_S, FATES, LIMIT_S, LINES, VIEWERS, WRITERS, How, Record


def _in_full(stream: ListenerStream, obs: Observation) -> None:
    """`_receipt` as it was before the healthy way: every receipt judged in full."""
    event, raw, payload = stream._payloads.text(obs)
    listener, channel = obs.listener or "?", obs.channel or ""
    key = (listener, channel, event, payload.key)
    r = Receipt(listener, obs.socket_id, channel, event, raw, obs.time, payload)
    stream._judge(r, payload.held.get((listener, channel)), key, stream._groups.get(key))


def _judged(part: Part) -> dict[str, Any]:
    assert part.deliveries is not None
    return {
        "findings": part.findings,
        "by_event": part.by_event,
        "by_listener": part.by_listener,
        "counts": (part.receipts, part.matched),
        "judged": part.judged,
        "slowest": part.slowest,
        "deliveries": part.deliveries.frame().sort(pl.all()).to_dicts(),
    }


def _both_ways(record: Record) -> tuple[dict[str, Any], dict[str, Any], int]:
    """(judged the stream's way, judged in full, how many receipts were judged in full the first way)."""
    history = record.history()
    judge = ListenerStream._judge
    with mock.patch.object(ListenerStream, "_judge", autospec=True, side_effect=judge) as in_full:
        fast = _judged(listener_part(history, Contract(), LIMIT_S, record=True))
    with mock.patch.object(ListenerStream, "_receipt", _in_full):
        full = _judged(listener_part(history, Contract(), LIMIT_S, record=True))
    return fast, full, in_full.call_count


_WRITE = st.tuples(
    st.just("write"),
    st.sampled_from(LINES),
    st.lists(st.sampled_from(FATES), min_size=len(VIEWERS) + len(WRITERS), max_size=len(VIEWERS) + len(WRITERS)),
    st.sampled_from(sorted(WRITERS)),
    st.sampled_from(ANSWERS_S),
    st.sampled_from(["ok"] * 6 + ["refused", "error", "lost"]),
    st.booleans(),
)
_STEPS = st.lists(
    _WRITE
    | st.tuples(st.just("wait"), st.sampled_from([0.1, 0.3, 1.5, 4.0, 12.0]))
    | st.tuples(st.just("disconnect"), st.sampled_from(VIEWERS), st.booleans())
    | st.tuples(st.just("subscribe"), st.sampled_from(VIEWERS)),
    max_size=25,
)


def _record(steps: list[tuple[Any, ...]], pages: bool) -> Record:
    record = Record()
    for socket, page in sorted(WRITERS.values()):
        record.subscribe(page, socket)
    for viewer in VIEWERS:
        record.subscribe(viewer, page=pages)
    for action, *args in steps:
        record.step(0.1)
        if action == "write":
            line, fates, writer, answer_s, outcome, resave = args
            record.write(line, fates, How(writer, answer_s, resave, outcome))
        elif action == "wait":
            record.step(args[0])
        elif action == "disconnect":
            record.disconnect(args[0], args[1])
        else:
            record.subscribe(args[0], page=pages)
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_STEPS, st.booleans())
def test_the_healthy_way_judges_as_judging_every_receipt_in_full(steps: list[tuple[Any, ...]], pages: bool) -> None:
    fast, full, _ = _both_ways(_record(steps, pages))
    assert fast == full


def test_a_healthy_fan_out_is_judged_in_full_once_per_text_only() -> None:
    """The first copy of a text works out its routing and how it differs from its write; the other
    listeners' copies take the healthy way (so the test above compares two ways, not one)."""
    history = history_with(200, listeners=10)
    judge = ListenerStream._judge
    with mock.patch.object(ListenerStream, "_judge", autospec=True, side_effect=judge) as judged:
        part = listener_part(history, Contract(), 2.0)
    in_full = judged.call_count
    assert part.findings == [] and part.matched == 200
    assert in_full == 20, "one per write's text"
    record = _record([("write", LINES[0], ["deliver"] * 5, "counter-1", ANSWERS_S[0], "ok", False)] * 4, pages=True)
    fast, full, in_full = _both_ways(record)
    assert fast == full and fast["counts"] == (16, 16), "three viewers and the other counter's page"
    assert in_full == 4
