"""`routing.clean_texts`, the columnar engine's routing of many texts at once, says of each text what
`routing.route` says of a receipt of it: nothing wrong exactly when route finds nothing, and the same
checks applied."""

from __future__ import annotations

import json

import pytest

from harness.checks.model import Payloads, Receipt
from harness.checks.routing import clean_texts, route
from harness.checks.sizes import MAX_EVENT_BYTES
from harness.record.history import Observation
from harness.spec.contract import Contract

DETAIL = "hotel-a-stocktake-7"
LIST = "hotel-a-stocktakes"
LINE = {"id": 3, "stocktake": 7, "item_sku": "S3"}
TEXTS = [
    json.dumps({"line_id": 3, "item_sku": "S3", "line": LINE}),
    json.dumps({"line_id": 4, "item_sku": "S3", "line": LINE}),  # envelope against its line
    json.dumps({"line_id": 3, "line": {**LINE, "stocktake": 8}}),  # against its channel
    json.dumps({"line_id": 3, "line": LINE, "pad": "x" * MAX_EVENT_BYTES}),  # oversize
    json.dumps({"line_id": 3, "line": LINE, "pad": "é" * (MAX_EVENT_BYTES // 2)}),  # oversize in bytes only
    "[1, 2]",  # not an object
    "not json",
    json.dumps({"stocktake_id": 7, "stocktake": {"id": 8}}),
    json.dumps({"stocktake_id": 8}),
]
EVENTS = ["line-counted-updated", "stocktake-status-changed", "Line_Counted_Updated", "pusher:ping", "whatever"]


@pytest.mark.parametrize("channel", [DETAIL, LIST, "elsewhere"])
@pytest.mark.parametrize("event", EVENTS)
def test_clean_texts_says_what_route_says(event: str, channel: str) -> None:
    contract = Contract()
    payloads = Payloads(contract)
    receipts = [payloads.receipt(Observation("receipt", 1.0, "v", "1.1", channel, event, text)) for text in TEXTS]
    clean, applied = clean_texts(contract, event, channel, ((r.raw, r.data) for r in receipts))
    routed = [route(contract, _fresh(r)) for r in receipts]
    assert clean == [not found for found, _ in routed]
    assert {applied} == {checks for _, checks in routed}


def _fresh(r: Receipt) -> Receipt:
    """The receipt with no verdict kept on its payload yet."""
    r.payload.routing.clear()
    return r
