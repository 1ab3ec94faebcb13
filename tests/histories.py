"""Crafted histories: a minimal healthy run, and one defect per finding, shared by the unit tests.

Each defect mutates a copy of `healthy()` the way a real fault would show in a record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from harness.checks import check
from harness.record.history import HistoryData, Observation, Operation
from harness.record.records import fields_of
from harness.spec.contract import Contract

HOTEL = "hotel-killarney"
DETAIL, LIST = f"{HOTEL}-stocktake-5", f"{HOTEL}-stocktakes"
LINE = {
    "id": 1709,
    "stocktake": 5,
    "item_sku": "D0030",
    "item_name": "Guinness Keg",
    "counted_full_units": "2.00",
    "counted_partial_units": "45.50",
    "counted_qty": "221.5000",
    "expected_qty": "259.0000",
    "variance_qty": "-37.5000",
    "variance_value": "-93.75",
}
BEFORE = {
    **LINE,
    "counted_full_units": "0.00",
    "counted_partial_units": "0.00",
    "counted_qty": "0.0000",
    "variance_qty": "-259.0000",
    "variance_value": "-647.50",
}


def patch_op(op_id: int, line: dict, invoke: float, socket_id: str = "2.2", **over: Any) -> Operation:
    fields = dict(
        id=op_id,
        actor="counter-1",
        kind="patch_line",
        hotel=HOTEL,
        actor_hotel=HOTEL,
        request={"stocktake_id": 5, "line_id": line["id"]},
        socket_id=socket_id,
        invoke=invoke,
        type="ok",
        complete=invoke + 0.1,
        status=200,
        body=line,
    )
    fields.update(over)
    return Operation(**fields)


def event_text(line: dict, **over: Any) -> str:
    return json.dumps({"line_id": line["id"], "item_sku": line["item_sku"], "line": line, **over})


def receipt(
    listener: str,
    t: float,
    data: str,
    event: str = "line-counted-updated",
    channel: str = DETAIL,
    socket_id: str = "1.1",
) -> Observation:
    return Observation("receipt", t, listener, socket_id, channel, event, data)


def healthy() -> HistoryData:
    obs = [
        Observation("connect", 0.0, "viewer", "1.1"),
        Observation("subscribed", 0.1, "viewer", "1.1", DETAIL),
        Observation("connect", 0.0, "counter-1-browser", "2.2"),
        Observation("subscribed", 0.1, "counter-1-browser", "2.2", DETAIL),
        Observation("snapshot", 0.5, "viewer", "1.1", data={"stocktake_id": 5, "hotel": HOTEL, "lines": [BEFORE]}),
        receipt("viewer", 1.15, event_text(LINE)),
        Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [LINE]}),
    ]
    return HistoryData({"latency_limit_ms": 1000}, [patch_op(1, LINE, 1.0)], obs)


def names(history: HistoryData) -> list[str]:
    return sorted({f.name for f in check(history, Contract()).findings})


def replace_receipt(h: HistoryData, **over: Any) -> None:
    i = next(i for i, o in enumerate(h.observations) if o.kind == "receipt")
    h.observations[i] = Observation(**{**fields_of(h.observations[i]), **over})


def drop_receipt(h: HistoryData) -> None:
    h.observations = [o for o in h.observations if o.kind != "receipt"]


def missing(h):
    drop_receipt(h)
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def duplicate(h):
    h.observations.insert(6, receipt("viewer", 1.2, event_text(LINE)))


def payload_mismatch(h):
    replace_receipt(h, data=event_text({**LINE, "variance_value": "-1.00"}))


def envelope_mismatch(h):
    replace_receipt(h, data=event_text(LINE, item_sku="B0031"))


def thin_envelope(h):
    """The line alone, without line_id and item_sku beside it: the contract's frontend, which finds the
    line to replace by `data.line_id`, replaces none."""
    replace_receipt(h, data=json.dumps({"line": LINE}))


def wrong_channel(h):
    h.observations.insert(2, Observation("subscribed", 0.1, "viewer", "1.1", LIST))
    replace_receipt(h, channel=LIST)
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def unexpected_event(h):
    replace_receipt(h, event="line_counted_updated")
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def self_echo(h):
    h.observations.append(receipt("counter-1-browser", 1.2, event_text(LINE), socket_id="2.2"))


def out_of_order(h):
    second = {**LINE, "counted_partial_units": "46.50", "counted_qty": "222.5000"}
    h.operations.append(patch_op(2, second, 1.3))
    replace_receipt(h, time=1.5)
    h.observations.insert(5, receipt("viewer", 1.45, event_text(second)))
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def divergence(h):
    partial = {k: LINE[k] for k in ("id", "item_sku", "expected_qty", "variance_qty")}
    replace_receipt(h, data=event_text(partial), event="line-counted-updated")
    h.operations[0] = patch_op(1, LINE, 1.0)


def late_event(h):
    replace_receipt(h, time=2.5)


def oversize_payload(h):
    replace_receipt(h, data=event_text(LINE, padding="x" * 10_300))


def oversize_rejected(h, data=None):
    h.observations.append(
        Observation(
            "trigger-rejected",
            1.1,
            channel=DETAIL,
            event="line-counted-updated",
            data=data or {"status": 413, "bytes": 12000, "message": "over 10240 bytes"},
        )
    )


def trigger_refused(h):
    """The backend's trigger was signed with another secret: the served Pusher server's log says so."""
    oversize_rejected(h, {"status": 401, "kind": "bad-signature", "message": "Invalid signature", "channel_count": 1})


def bad_input_accepted(h):
    """The negative probe answered 200; its re-read shows -1.00 stored. Its event came to both listeners
    (the prober sent no socket_id), and the truth holds it: the one defect is the acceptance."""
    stored = {**LINE, "counted_partial_units": "-1.00"}
    probe = {"stocktake_id": 5, "line_id": LINE["id"], "body": {"counted_partial_units": -1}, "probe": "negative",
             "why": "a negative count", "expect": "refusal"}  # fmt: skip
    h.operations.append(patch_op(10, stored, 4.0, actor="prober", socket_id=None, request=probe))
    reread = {"stocktake_id": 5, "line_id": LINE["id"], "probe": "negative", "reread_of": 10}
    h.operations.append(patch_op(11, stored, 4.2, actor="prober", kind="get_line", socket_id=None, request=reread))
    h.observations[-1:] = [
        receipt("viewer", 4.15, event_text(stored)),
        receipt("counter-1-browser", 4.15, event_text(stored), socket_id="2.2"),
        Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [stored]}),
    ]


def locked_write(h):
    h.operations.insert(
        0,
        Operation(
            9,
            "approver",
            "approve",
            HOTEL,
            HOTEL,
            {"stocktake_id": 5},
            None,
            0.05,
            "ok",
            0.08,
            200,
            {"stocktake_id": 5, "status": "APPROVED"},
        ),
    )


def cross_hotel(h):
    h.operations[0] = patch_op(1, LINE, 1.0, actor_hotel="hotel-galway")


def gap(h):
    drop_receipt(h)
    h.observations.insert(5, Observation("disconnect", 1.05, "viewer", "1.1"))
    h.observations = [o for o in h.observations if o.kind != "snapshot"]


def server_error(h):
    h.operations.append(patch_op(3, LINE, 3.0, type="fail", status=502, body=None))


def no_answer(h):
    h.operations.append(patch_op(4, LINE, 3.0, type="info", status=None, body=None, error="ReadTimeout"))


def refused(h):
    """A write the run expected to succeed answered 403 with the server's own words."""
    h.operations.append(patch_op(5, LINE, 3.0, type="fail", status=403, body={"detail": "You do not have permission."}))


def committed_then_500(h):
    """The write answered 500, yet the line re-read after the run holds the value it sent."""
    stored = {**LINE, "counted_partial_units": "7.77"}
    request = {"stocktake_id": 5, "line_id": LINE["id"], "body": {"counted_partial_units": "7.77"}}
    h.operations.append(patch_op(6, LINE, 3.0, type="fail", status=500, body=None, request=request))
    h.observations[-1] = Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [stored]})


def failed_before_commit(h):
    """The same 500, but nothing was stored: a server error and nothing more."""
    request = {"stocktake_id": 5, "line_id": LINE["id"], "body": {"counted_partial_units": "7.77"}}
    h.operations.append(patch_op(6, LINE, 3.0, type="fail", status=500, body=None, request=request))


def oversize_response(h):
    """A write whose response (and so its event) is over 10 KB, and whose event never came."""
    h.operations.append(patch_op(7, {**LINE, "stocktake_lines": [LINE] * 50}, 3.0))


def harness_stall(h, process: str = "host:1", since: float = 1.3):
    """`late_event`'s delivery, 0.5 s past the limit, read as the viewer's own listener process
    resumed from a stall (`process`'s) that held it from `since` until just before."""
    late_event(h)
    listener = {"kind": "asyncio", "channels": [DETAIL], "process": "host:1"}
    h.observations.insert(0, Observation("listener", 0.0, "viewer", data=listener))
    stall = Observation("harness-stall", 2.49, data={"process": process, "held_s": 2.49 - since})
    h.observations.insert(next(i for i, o in enumerate(h.observations) if o.time > stall.time), stall)


def writer_stall(h, process: str = "host:9", since: float = 0.95, until: float = 1.6, servers: bool = False,
                 answered: float = 1.7, stalls: tuple[tuple[float, float], ...] = (),
                 page: str | None = None):  # fmt: skip
    """`late_event`'s delivery (invoked at 1.0 s, due at 2.0 s, read at 2.5 s), its write answered at
    `answered` and sent from counter-1's process (host:9, which runs the embedded servers too if
    `servers`) through `page` if one; `process` was held from `since` to `until` (and over each of
    `stalls`)."""
    late_event(h)
    h.operations[0] = replace(h.operations[0], complete=answered)
    writer = {"actor": "counter-1", "process": "host:9", "servers": servers, "page": page}
    h.observations.insert(0, Observation("writer", 0.0, data=writer))
    for start, end in ((since, until), *stalls):
        stall = Observation("harness-stall", end, data={"process": process, "held_s": end - start})
        h.observations.insert(next(i for i, o in enumerate(h.observations) if o.time > stall.time), stall)


def unjudged_fault(h):
    """The backend logged a partial line on operation 1, yet its event carried the whole line."""
    h.observations.append(
        Observation("injected-fault", 9.5, data={"kind": "partial-line", "layer": "backend", "operation": "1"})
    )


def near_limit(h):
    """A write's response at 9 KB, and so its event: still delivered, but a few more lines and it will not be."""
    big = {**LINE, "stocktake_lines": [LINE] * 36}
    h.operations.append(patch_op(8, big, 3.0))
    h.observations.insert(-1, receipt("viewer", 3.15, event_text(big)))


DEFECTS: list[tuple[str, Callable[[HistoryData], None], list[str]]] = [
    ("missing-event", missing, ["missing-event"]),
    ("duplicate-event", duplicate, ["duplicate-event"]),
    ("payload-mismatch", payload_mismatch, ["divergence", "payload-mismatch"]),
    ("envelope-mismatch", envelope_mismatch, ["envelope-mismatch"]),
    ("envelope-mismatch", thin_envelope, ["envelope-mismatch"]),
    ("wrong-channel", wrong_channel, ["missing-event", "wrong-channel"]),
    ("unexpected-event", unexpected_event, ["missing-event", "unexpected-event"]),
    ("self-echo", self_echo, ["self-echo"]),
    ("out-of-order", out_of_order, ["out-of-order"]),
    ("divergence", divergence, ["divergence", "payload-mismatch"]),
    ("late-event", late_event, ["late-event"]),
    ("harness-stall", harness_stall, ["harness-stall", "late-event"]),
    ("harness-stall", writer_stall, ["harness-stall", "late-event"]),
    ("oversize-payload", oversize_payload, ["oversize-payload"]),
    ("oversize-payload", oversize_rejected, ["oversize-payload"]),
    ("trigger-refused", trigger_refused, ["trigger-refused"]),
    ("bad-input-accepted", bad_input_accepted, ["bad-input-accepted"]),
    ("locked-write-accepted", locked_write, ["locked-write-accepted"]),
    ("cross-hotel-access", cross_hotel, ["cross-hotel-access"]),
    ("gap-during-disconnect", gap, ["gap-during-disconnect"]),
    ("server-error", server_error, ["server-error"]),
    ("server-error", no_answer, ["server-error"]),
    ("server-error", failed_before_commit, ["server-error"]),
    ("writes-refused", refused, ["writes-refused"]),
    ("oversize-payload", oversize_response, ["missing-event", "oversize-payload"]),
    ("payload-near-limit", near_limit, ["payload-near-limit"]),
    ("write-despite-error", committed_then_500, ["divergence", "server-error", "write-despite-error"]),
    ("unjudged-fault", unjudged_fault, ["unjudged-fault"]),
]
