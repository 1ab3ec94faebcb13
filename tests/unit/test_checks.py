"""Each finding fires on a minimal crafted history with the defect, and is silent without it."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from harness.checks import check
from harness.checks.findings import NAMES
from harness.checks.live import LiveCheck
from harness.checks.stream import GRACE_S
from harness.record.history import HistoryData, Observation
from harness.spec.contract import Contract
from harness.testing import following
from tests.histories import (
    BEFORE,
    DEFECTS,
    DETAIL,
    HOTEL,
    LINE,
    drop_receipt,
    event_text,
    healthy,
    names,
    patch_op,
    payload_mismatch,
    receipt,
    refused,
    replace_receipt,
    server_error,
)


def test_healthy_history_has_no_findings() -> None:
    result = check(healthy(), Contract())
    assert result.findings == []
    assert result.counts["matched"] == 1
    assert result.latency["by_event"]["line-counted-updated"]["count"] == 1


@pytest.mark.parametrize(("name", "defect", "expected"), DEFECTS, ids=[f"{d[0]}-{d[1].__name__}" for d in DEFECTS])
def test_defect_fires_its_finding(name: str, defect, expected: list[str]) -> None:
    history = copy.deepcopy(healthy())
    defect(history)
    assert names(history) == expected


def test_every_design_finding_has_a_crafted_defect() -> None:
    covered = {d[0] for d in DEFECTS}
    assert covered == set(NAMES) - {"public-channel-exposure"}


def test_findings_carry_evidence() -> None:
    history = copy.deepcopy(healthy())
    payload_mismatch(history)
    finding = next(f for f in check(history, Contract()).findings if f.name == "payload-mismatch")
    assert (finding.operation, finding.listener, finding.channel, finding.event) == (
        1,
        "viewer",
        DETAIL,
        "line-counted-updated",
    )
    assert finding.diff == ["line.variance_value: expected '-93.75', got '-1.00'"]
    assert set(finding.times) == {"invoke", "complete", "received"}


def test_listener_that_joined_after_the_write_is_owed_nothing() -> None:
    history = healthy()
    drop_receipt(history)
    history.observations = [o for o in history.observations if o.kind != "snapshot"]
    history.observations[1] = Observation("subscribed", 1.05, "viewer", "1.1", DETAIL)
    assert names(history) == []


def test_the_writers_own_connection_closing_inside_the_window_is_owed_nothing() -> None:
    """A load run's stop closes browsers while writes are still inside their delivery window:
    the writer's own browser is owed nothing (only an echo is judged), however it ends."""
    h = healthy()
    h.observations.insert(5, Observation("disconnect", 1.12, "counter-1-browser", "2.2"))
    assert names(h) == []
    h.observations.append(receipt("counter-1-browser", 1.11, event_text(LINE), socket_id="2.2"))
    assert names(h) == ["self-echo"]


def test_underscore_names_are_fine_under_a_contract_that_says_so() -> None:
    history = copy.deepcopy(healthy())
    replace_receipt(history, event="line_counted_updated")
    contract = Contract(names={**Contract().names, "line-counted-updated": "line_counted_updated"})
    assert [f.name for f in check(history, contract).findings] == []


def test_listener_shares_in_parallel_find_what_one_pass_finds(monkeypatch) -> None:
    """Big histories are split by listener over processes; the findings must not change."""
    from dataclasses import replace

    from harness.checks import parts
    from harness.testing import history_with

    history = history_with(4000, listeners=4)
    receipts = [i for i, o in enumerate(history.observations) if o.kind == "receipt"]
    history.observations[receipts[10]] = replace(history.observations[receipts[10]], data='{"line_id": 1}')
    history.observations.append(history.observations[receipts[20]])
    history.observations[receipts[30]] = replace(
        history.observations[receipts[30]], time=history.observations[receipts[30]].time + 5
    )
    del history.observations[receipts[40]]
    deaf = "viewer-3"
    history.observations = [o for o in history.observations if not (o.listener == deaf and o.kind == "receipt")]

    def outcome(minimum: int) -> tuple[list[tuple[str, int | None, str | None]], dict, dict]:
        monkeypatch.setattr(parts, "PARALLEL_MIN_RECEIPTS", minimum)
        result = check(history, Contract())
        return sorted((f.name, f.operation, f.listener) for f in result.findings), result.counts, result.latency

    serial, parallel = outcome(10**9), outcome(0)
    assert {name for name, _, _ in serial[0]} >= {"missing-event", "duplicate-event", "late-event"}
    assert sum(1 for name, _, listener in serial[0] if name == "missing-event" and listener == deaf) == 1000
    assert parallel == serial


@pytest.mark.parametrize("answered", [True, False], ids=["answered", "cut-off"])
def test_own_write_without_an_answer_is_not_judged_for_divergence(answered: bool) -> None:
    """A counter's page applies its own write from the HTTP response; when the request was cut
    off (no answer recorded, as when a load run stops) the line is unknown, not divergent."""
    h = healthy()
    h.observations.insert(
        5,
        Observation(
            "snapshot", 0.5, "counter-1-browser", "2.2", data={"stocktake_id": 5, "hotel": HOTEL, "lines": [BEFORE]}
        ),
    )
    if not answered:
        h.operations[0] = patch_op(1, LINE, 1.0, type="invoke", complete=None, status=None, body=None)
    assert "divergence" not in names(h)
    h.operations[0] = patch_op(1, LINE, 1.0, type="fail", status=500, body={"detail": "boom"})
    assert "divergence" in names(h), "an answered write the page never applied still diverges"


def test_a_check_during_the_run_judges_only_closed_writes_and_matches_the_rest() -> None:
    """Write 1's event was lost; write 2, on the same line, is still in flight when the live check
    looks (its event has come). The live check must say what the final one will say of write 1
    (missing), not take write 2's event for write 1's (a mismatch, out of order) just because
    write 2 is not judged yet; and must say nothing of write 2 until its window closes."""
    history = healthy()
    drop_receipt(history)
    second = {**LINE, "counted_partial_units": "12.34"}
    history.operations.append(patch_op(2, second, 5.0))
    history.observations.insert(-1, receipt("viewer", 5.15, event_text(second)))
    recorder = following(history)
    live = LiveCheck(Contract(), 1.0, recorder)
    closed = live.update(recorder, 5.5)
    assert [(c.operation, c.failures) for c in closed] == [(1, ["missing-event"])]
    assert sorted({f.name for f in live.findings}) == ["missing-event"]
    assert {f.operation for f in live.findings} == {1}
    closed = live.update(recorder, None)
    assert [(c.operation, c.failures) for c in closed] == [(2, [])]
    final = check(history, Contract())
    assert [f.operation for f in final.findings if f.name == "missing-event"] == [1]
    assert {f.name for f in live.findings} == {"missing-event"}  # the live check rebuilds no pages
    assert (2, "line-counted-updated") in final.slowest


def test_the_live_check_judges_each_operation_once_and_lets_it_go_when_settled() -> None:
    """A 5xx shows as soon as it is answered; a write is held only until its delivery settles (its
    window and GRACE_S), then let go: an hour's live check holds the writes in flight, not the
    run. Judged once: the counts are the final check's, however many updates came between."""
    history = healthy()
    server_error(history)
    recorder = following(history)
    live = LiveCheck(Contract(), 1.0, recorder)
    live.update(recorder, 2.5)
    assert "server-error" in {f.name for f in live.findings} and live.judged["server-error"] == 2
    assert live.in_flight == 2, "answered, not yet settled"
    later = dataclasses.replace(history.operations[-1], id=50, invoke=10.0, complete=10.1)  # a second 5xx
    recorder.add_operation(later)
    live.update(recorder, 3.0 + 1.0 + GRACE_S + 1.0)
    assert live.judged["server-error"] == 3 and live.in_flight == 1, "the first two settled and went"
    live.update(recorder, 40.0)
    assert live.in_flight == 0
    live.update(recorder, None)
    final = check(recorder.data, Contract())
    assert (
        [f.name for f in live.findings].count("server-error")
        == 2
        == [f.name for f in final.findings].count("server-error")
    )
    assert {k: v for k, v in live.judged.items() if k in ("server-error", "writes-refused", "payload-near-limit")} == {
        k: final.judged[k] for k in ("server-error", "writes-refused", "payload-near-limit")
    }


def test_the_live_check_names_a_groups_first_write_as_the_final_check_does_whatever_order_they_settle_in() -> None:
    """Two refused writes, the later one answered (and so settled) first: the live check takes settled
    writes in the order the final check takes a history's, so its writes-refused names the first write
    at every update, never the one that settled first (a sweep of the drivers' agreement found it
    naming operation 6 live and 5 in the final report)."""
    history = healthy()
    refused(history)  # operation 5, invoked at 3.0 s
    slow = history.operations[-1]
    history.operations[-1] = dataclasses.replace(slow, complete=3.4)
    history.operations.append(dataclasses.replace(slow, id=6, invoke=3.1, complete=3.15))
    recorder = following(history)
    live = LiveCheck(Contract(), 1.0, recorder)
    named = []
    for now in (3.2, 3.15 + 1.0 + GRACE_S + 0.6, 3.4 + 1.0 + GRACE_S + 0.6, None):
        live.update(recorder, now)
        named.append([f.operation for f in live.findings if f.name == "writes-refused"])
    final = check(recorder.data, Contract())
    assert named == [[], [], [5], [5]]
    assert [f.operation for f in final.findings if f.name == "writes-refused"] == [5]


def _two_counters_on_one_line(answered: float, event_line: dict | None = None) -> HistoryData:
    """counter-1 writes the line (operation 1, committed first), counter-2 writes it next (operation
    2: the server's final line). counter-2's event reaches counter-1's page at 1.1; counter-1's own
    response, answered at `answered`, is what its page ends with if it lands later (the contract's race)."""
    first = {**LINE, "counted_partial_units": "40.00", "counted_qty": "216.0000"}
    h = healthy()
    h.operations = [
        patch_op(1, first, 1.0, complete=answered),
        patch_op(2, LINE, 1.03, socket_id="3.3", actor="counter-2", complete=1.08),
    ]
    snap = {"stocktake_id": 5, "hotel": HOTEL, "lines": [BEFORE]}
    h.observations = [
        *h.observations[:4],
        Observation("connect", 0.0, "counter-2-browser", "3.3"),
        Observation("subscribed", 0.1, "counter-2-browser", "3.3", DETAIL),
        *(
            Observation("snapshot", 0.5, page, sid, data=snap)
            for page, sid in (("viewer", "1.1"), ("counter-1-browser", "2.2"), ("counter-2-browser", "3.3"))
        ),
        receipt("viewer", 1.02, event_text(first)),
        receipt("counter-2-browser", 1.02, event_text(first), socket_id="3.3"),
        receipt("viewer", 1.1, event_text(LINE)),
        receipt("counter-1-browser", 1.1, event_text(event_line or LINE), socket_id="2.2"),
        Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [LINE]}),
    ]
    return h


def test_the_contracts_own_response_race_is_a_warning_naming_both_sides() -> None:
    """The writer's page replaces the other user's newer line (by event) with its own older HTTP
    response: stale, though server and Pusher agree. Reported as a warning, not a backend failure."""
    result = check(_two_counters_on_one_line(answered=1.6), Contract())
    assert [(f.name, f.severity, f.listener, f.operation) for f in result.findings] == [
        ("divergence", "warning", "counter-1-browser", 1)
    ]
    race = result.findings[0]
    assert "own-response race" in race.message and "operation 1" in race.message
    assert race.times["event"] == 1.1 and race.times["answered"] == 1.6
    assert race.diff == [
        "line 1709 counted_partial_units: expected '45.50', got '40.00'",
        "line 1709 counted_qty: expected '221.5000', got '216.0000'",
    ]
    assert result.verdict == "PASS" and result.judged["divergence"] == 3


def test_no_race_when_the_response_lands_before_the_newer_event() -> None:
    assert check(_two_counters_on_one_line(answered=1.09), Contract()).findings == []


def test_a_stale_line_the_race_does_not_explain_stays_an_error() -> None:
    """The page's last event did not carry the server's final line (a wrong payload): not the
    contract's race, whatever the timing; and a page that heard no event at all is no race either."""
    wrong = {**LINE, "counted_partial_units": "41.00"}
    findings = check(_two_counters_on_one_line(answered=1.6, event_line=wrong), Contract()).findings
    assert ("divergence", "error", "counter-1-browser") in {(f.name, f.severity, f.listener) for f in findings}
    deaf = _two_counters_on_one_line(answered=1.6)
    deaf.observations = [
        o for o in deaf.observations if not (o.kind == "receipt" and o.listener == "counter-1-browser")
    ]
    found = {(f.name, f.severity, f.listener) for f in check(deaf, Contract()).findings}
    assert {("divergence", "error", "counter-1-browser"), ("missing-event", "error", "counter-1-browser")} <= found


def test_a_write_never_answered_nor_known_lost_is_not_judged_for_server_error() -> None:
    """A write cut when its run stopped (Locust's users stopped mid-request): its answer is not known, so
    server-error has judged nothing of it, live or final (a review found it counted as judged)."""
    history = healthy()
    history.operations.append(
        dataclasses.replace(patch_op(2, LINE, 3.0), type="invoke", complete=None, status=None, body=None)
    )
    final = check(history, Contract())
    recorder = following(history)
    live = LiveCheck(Contract(), 1.0, recorder)
    live.update(recorder, None)
    assert final.verdict == "PASS" and final.judged["server-error"] == 1 == live.judged["server-error"]
