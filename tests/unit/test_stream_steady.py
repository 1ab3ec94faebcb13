"""At a write's close the stream takes the roles its expectations were given at the invoke as they are
(`owed.closing`'s `steady`) while each listener owed has had its one subscription to the channel open
since before the invoke and no connection has ended since; and a closed write with nothing found or
missing makes its live samples at once (`changes.samples`). Each must come out as working every role
out again (`owed.role`) and every sample in full (`changes.samples_in_full`): the same findings in the
same order, counts, latencies, slowest deliveries, deliveries logged and live samples. Histories from
the drivers' property model, with disconnects, late subscriptions, echoes and lost copies."""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.checks import stream as stream_module
from harness.checks.changes import Closed, samples_in_full
from harness.checks.deliveries import DeliveryLog
from harness.checks.owed import closing
from harness.checks.parts import listener_part, stream_part
from harness.record.history import FAILURE, HistoryData, Observation
from harness.spec.contract import Contract
from harness.testing import history_with
from tests.property.sync_model import LIMIT_S, Record
from tests.unit.test_stream_fast_path import _STEPS, _judged, _record


def _in_full(*args: Any) -> Any:
    """`closing` as it was before the steady way: every role worked out again."""
    return closing(*args[:4])


def _final_and_live(history: HistoryData) -> tuple[dict[str, Any], dict[str, Any], list[Closed]]:
    """(the final check's result, the live stream's, its samples)."""
    final = _judged(listener_part(history, Contract(), LIMIT_S, record=True))
    live = stream_module.ListenerStream(Contract(), LIMIT_S, history.meta, live=True, deliveries=DeliveryLog())
    live.feed(history.operations, history.observations)
    live.finish()
    return final, _judged(stream_part(live, {})), live.closed


def _both_ways(record: Record) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    history = record.history()
    steady = _final_and_live(history)
    with (
        mock.patch.object(stream_module, "closing", _in_full),
        mock.patch.object(stream_module, "samples", samples_in_full),
    ):
        full = _final_and_live(history)
    return steady, full


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_STEPS, st.booleans())
def test_the_steady_way_closes_as_working_every_role_out(steps: list[tuple[Any, ...]], pages: bool) -> None:
    steady, full = _both_ways(_record(steps, pages))
    assert steady == full


def _steadiness(history: HistoryData) -> list[bool]:
    """Whether each write's close took the steady way."""
    taken: list[bool] = []

    def spy(*args: Any) -> Any:
        taken.append(args[4] and not args[3])
        return closing(*args)

    with mock.patch.object(stream_module, "closing", spy):
        listener_part(history, Contract(), LIMIT_S)
    return taken


def test_a_steady_run_closes_each_write_the_steady_way_and_a_disconnect_stops_it() -> None:
    """Every write of a run whose listeners never reconnect closes the steady way (so the test above
    compares two ways, not one); a connection ended while a write is open sends it the full way, and a
    listener's second subscription sends every later write of its channel there."""
    assert _steadiness(history_with(200, listeners=10)) == [True] * 20
    record = _record([("write", 1701, ["deliver"] * 5, "counter-1", 0.05, "ok", False)] * 2, pages=False)
    record.disconnect("viewer-0", planned=True)
    record.step(0.1)
    record.subscribe("viewer-0")
    record.write(1702, ["deliver"] * 5)
    assert _steadiness(record.history()) == [False, False, False]
    steady, full = _both_ways(record)
    assert steady == full
    assert [sample.failures for sample in steady[2]] == [[], [], []]


def test_a_listener_lost_before_a_write_is_owed_nothing_by_it_the_steady_way_too() -> None:
    """No connection ends when the harness loses a listener (its worker died): the write after it still
    closes the full way, where a lost listener has no role."""
    record = _record([], pages=False)
    record.observations.append(Observation(FAILURE, record.clock, "viewer-1"))
    record.step(0.1)
    record.write(1701, ["deliver"] * 5)
    assert _steadiness(record.history()) == [False]
    steady, full = _both_ways(record)
    assert steady == full
    assert steady[0]["judged"]["missing-event"] == 3, "the other counter's page, viewer-0 and viewer-2: not viewer-1"
