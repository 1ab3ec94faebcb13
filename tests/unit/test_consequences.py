"""A page that differs because of a defect already found names that defect as its cause and says what
happened; a page nothing found explains stays a divergence of its own."""

from __future__ import annotations

from harness.checks import check
from harness.checks.findings import Finding
from harness.record.history import HistoryData, Observation
from harness.spec.contract import Contract
from tests.histories import (
    BEFORE,
    HOTEL,
    LINE,
    committed_then_500,
    drop_receipt,
    event_text,
    healthy,
    oversize_response,
    replace_receipt,
)


def _divergences(history: HistoryData) -> list[Finding]:
    return [f for f in check(history, Contract()).findings if f.name == "divergence"]


def test_a_stale_payload_s_divergence_carries_its_mismatch() -> None:
    history = healthy()
    replace_receipt(history, data=event_text(BEFORE))  # the line as it was before the write
    (page,) = _divergences(history)
    assert page.cause == "payload-mismatch of operation 1" and page.severity == "error"
    assert "it applied an event whose payload differed from its write's response" in page.message


def test_a_lost_event_s_divergence_carries_the_missing_event() -> None:
    history = healthy()
    drop_receipt(history)
    (page,) = _divergences(history)
    assert page.cause == "missing-event of operation 1"
    assert "never got the event" in page.message


def test_a_writer_told_its_write_failed_keeps_the_old_line_under_write_despite_error() -> None:
    """The write answered 500 and was stored; the writer's page, told it failed, kept the line as it was."""
    history = healthy()
    committed_then_500(history)
    page = {"stocktake_id": 5, "hotel": HOTEL, "lines": [BEFORE]}
    history.observations.insert(4, Observation("snapshot", 0.5, "counter-1-browser", "2.2", data=page))
    by_page = {f.listener: f for f in _divergences(history)}
    assert by_page["counter-1-browser"].cause == "write-despite-error of operation 6"
    assert "was told its own write failed" in by_page["counter-1-browser"].message


def test_a_divergence_nothing_explains_has_no_cause() -> None:
    history = healthy()
    history.observations[-1] = Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [{**LINE, "waste": "1.00"}]})
    (page,) = _divergences(history)
    assert page.cause is None and page.message == "viewer's view of stocktake 5 differs from a fresh GET on 1 line(s)"


def test_an_oversize_write_s_missing_events_carry_it_as_their_cause() -> None:
    history = healthy()
    oversize_response(history)
    by_name = {f.name: f for f in check(history, Contract()).findings}
    assert by_name["missing-event"].cause == "oversize-payload of operation 7"
    assert "its data is over Pusher's 10 KB" in by_name["missing-event"].message
    assert by_name["oversize-payload"].cause is None
