"""Each finding fires on a minimal crafted history with the defect, and is silent without it."""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

import pytest

from harness.checks import check
from harness.checks.findings import NAMES
from harness.contract import Contract
from harness.history import HistoryData, Observation, Operation

HOTEL = "hotel-killarney"
DETAIL, LIST = f"{HOTEL}-stocktake-5", f"{HOTEL}-stocktakes"
LINE = {"id": 1709, "stocktake": 5, "item_sku": "D0030", "item_name": "Guinness Keg",
        "counted_full_units": "2.00", "counted_partial_units": "45.50", "counted_qty": "221.5000",
        "expected_qty": "259.0000", "variance_qty": "-37.5000", "variance_value": "-93.75"}
BEFORE = {**LINE, "counted_full_units": "0.00", "counted_partial_units": "0.00", "counted_qty": "0.0000",
          "variance_qty": "-259.0000", "variance_value": "-647.50"}


def _patch(op_id: int, line: dict, invoke: float, socket_id: str = "2.2", **over: Any) -> Operation:
    fields = dict(id=op_id, actor="counter-1", kind="patch_line", hotel=HOTEL, actor_hotel=HOTEL,
                  request={"stocktake_id": 5, "line_id": line["id"]}, socket_id=socket_id, invoke=invoke,
                  type="ok", complete=invoke + 0.1, status=200, body=line)
    fields.update(over)
    return Operation(**fields)


def _event(line: dict, **over: Any) -> str:
    return json.dumps({"line_id": line["id"], "item_sku": line["item_sku"], "line": line, **over})


def _receipt(listener: str, t: float, data: str, event: str = "line-counted-updated", channel: str = DETAIL,
             socket_id: str = "1.1") -> Observation:
    return Observation("receipt", t, listener, socket_id, channel, event, data)


def healthy() -> HistoryData:
    obs = [
        Observation("connect", 0.0, "viewer", "1.1"),
        Observation("subscribed", 0.1, "viewer", "1.1", DETAIL),
        Observation("connect", 0.0, "counter-1-browser", "2.2"),
        Observation("subscribed", 0.1, "counter-1-browser", "2.2", DETAIL),
        Observation("snapshot", 0.5, "viewer", "1.1", data={"stocktake_id": 5, "hotel": HOTEL, "lines": [BEFORE]}),
        _receipt("viewer", 1.15, _event(LINE)),
        Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [LINE]}),
    ]
    return HistoryData({"latency_limit_ms": 1000}, [_patch(1, LINE, 1.0)], obs)


def names(history: HistoryData) -> list[str]:
    return sorted({f.name for f in check(history, Contract()).findings})


def test_healthy_history_has_no_findings() -> None:
    result = check(healthy(), Contract())
    assert result.findings == []
    assert result.counts["matched"] == 1
    assert result.latency["by_event"]["line-counted-updated"]["count"] == 1


def _replace_receipt(h: HistoryData, **over: Any) -> None:
    i = next(i for i, o in enumerate(h.observations) if o.kind == "receipt")
    h.observations[i] = Observation(**{**h.observations[i].__dict__, **over})


def _drop_receipt(h: HistoryData) -> None:
    h.observations = [o for o in h.observations if o.kind != "receipt"]


def missing(h):
    _drop_receipt(h)
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def duplicate(h):
    h.observations.insert(6, _receipt("viewer", 1.2, _event(LINE)))


def payload_mismatch(h):
    _replace_receipt(h, data=_event({**LINE, "variance_value": "-1.00"}))


def envelope_mismatch(h):
    _replace_receipt(h, data=_event(LINE, item_sku="B0031"))


def wrong_channel(h):
    h.observations.insert(2, Observation("subscribed", 0.1, "viewer", "1.1", LIST))
    _replace_receipt(h, channel=LIST)
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def unexpected_event(h):
    _replace_receipt(h, event="line_counted_updated")
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def self_echo(h):
    h.observations.append(_receipt("counter-1-browser", 1.2, _event(LINE), socket_id="2.2"))


def out_of_order(h):
    second = {**LINE, "counted_partial_units": "46.50", "counted_qty": "222.5000"}
    h.operations.append(_patch(2, second, 1.3))
    _replace_receipt(h, time=1.5)
    h.observations.insert(5, _receipt("viewer", 1.45, _event(second)))
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def divergence(h):
    partial = {k: LINE[k] for k in ("id", "item_sku", "expected_qty", "variance_qty")}
    _replace_receipt(h, data=_event(partial), event="line-counted-updated")
    h.operations[0] = _patch(1, LINE, 1.0)


def late_event(h):
    _replace_receipt(h, time=2.5)


def oversize_payload(h):
    _replace_receipt(h, data=_event(LINE, padding="x" * 10_300))


def oversize_rejected(h):
    h.observations.append(Observation("trigger-rejected", 1.1, channel=DETAIL, event="line-counted-updated",
                                      data={"status": 413, "bytes": 12000, "message": "over 10240 bytes"}))


def locked_write(h):
    h.operations.insert(0, Operation(9, "approver", "approve", HOTEL, HOTEL, {"stocktake_id": 5}, None, 0.05,
                                     "ok", 0.08, 200, {"stocktake_id": 5, "status": "APPROVED"}))


def cross_hotel(h):
    h.operations[0] = _patch(1, LINE, 1.0, actor_hotel="hotel-galway")


def gap(h):
    _drop_receipt(h)
    h.observations.insert(5, Observation("disconnect", 1.05, "viewer", "1.1"))
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def server_error(h):
    h.operations.append(_patch(3, LINE, 3.0, type="fail", status=502, body=None))


def no_answer(h):
    h.operations.append(_patch(4, LINE, 3.0, type="info", status=None, body=None, error="ReadTimeout"))


DEFECTS: list[tuple[str, Callable[[HistoryData], None], list[str]]] = [
    ("missing-event", missing, ["missing-event"]),
    ("duplicate-event", duplicate, ["duplicate-event"]),
    ("payload-mismatch", payload_mismatch, ["divergence", "payload-mismatch"]),
    ("envelope-mismatch", envelope_mismatch, ["envelope-mismatch"]),
    ("wrong-channel", wrong_channel, ["missing-event", "wrong-channel"]),
    ("unexpected-event", unexpected_event, ["missing-event", "unexpected-event"]),
    ("self-echo", self_echo, ["self-echo"]),
    ("out-of-order", out_of_order, ["out-of-order"]),
    ("divergence", divergence, ["divergence"]),
    ("late-event", late_event, ["late-event"]),
    ("oversize-payload", oversize_payload, ["oversize-payload"]),
    ("oversize-payload", oversize_rejected, ["oversize-payload"]),
    ("locked-write-accepted", locked_write, ["locked-write-accepted"]),
    ("cross-hotel-access", cross_hotel, ["cross-hotel-access"]),
    ("gap-during-disconnect", gap, ["gap-during-disconnect"]),
    ("server-error", server_error, ["server-error"]),
    ("server-error", no_answer, ["server-error"]),
]


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
        1, "viewer", DETAIL, "line-counted-updated")
    assert finding.diff == ["line.variance_value: expected '-93.75', got '-1.00'"]
    assert set(finding.times) == {"invoke", "complete", "received"}


def test_listener_that_joined_after_the_write_is_owed_nothing() -> None:
    history = healthy()
    _drop_receipt(history)
    history.observations = [o for o in history.observations if o.kind != "snapshot"]
    history.observations[1] = Observation("subscribed", 1.05, "viewer", "1.1", DETAIL)
    assert names(history) == []


def test_the_writers_own_connection_closing_inside_the_window_is_owed_nothing() -> None:
    """A load run's stop closes browsers while writes are still inside their delivery window:
    the writer's own browser is owed nothing (only an echo is judged), however it ends."""
    h = healthy()
    h.observations.insert(5, Observation("disconnect", 1.12, "counter-1-browser", "2.2"))
    assert names(h) == []
    h.observations.append(_receipt("counter-1-browser", 1.11, _event(LINE), socket_id="2.2"))
    assert names(h) == ["self-echo"]


def test_underscore_names_are_fine_under_a_contract_that_says_so() -> None:
    history = copy.deepcopy(healthy())
    _replace_receipt(history, event="line_counted_updated")
    contract = Contract(names={**Contract().names, "line-counted-updated": "line_counted_updated"})
    assert [f.name for f in check(history, contract).findings] == []


def test_listener_shares_in_parallel_find_what_one_pass_finds(monkeypatch) -> None:
    """Big histories are split by listener over processes; the findings must not change."""
    from dataclasses import replace

    from harness.checks import parts
    from harness.synthetic import history_with

    history = history_with(4000, listeners=4)
    receipts = [i for i, o in enumerate(history.observations) if o.kind == "receipt"]
    history.observations[receipts[10]] = replace(history.observations[receipts[10]], data='{"line_id": 1}')
    history.observations.append(history.observations[receipts[20]])
    history.observations[receipts[30]] = replace(history.observations[receipts[30]],
                                                 time=history.observations[receipts[30]].time + 5)
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
    h.observations.insert(5, Observation("snapshot", 0.5, "counter-1-browser", "2.2",
                                         data={"stocktake_id": 5, "hotel": HOTEL, "lines": [BEFORE]}))
    if not answered:
        h.operations[0] = _patch(1, LINE, 1.0, type="invoke", complete=None, status=None, body=None)
    assert "divergence" not in names(h)
    h.operations[0] = _patch(1, LINE, 1.0, type="fail", status=500, body={"detail": "boom"})
    assert "divergence" in names(h), "an answered write the page never applied still diverges"
