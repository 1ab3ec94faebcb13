"""Bad-input probes: requests a frontend should never send, which a backend must refuse with a
4xx in words, never with a 5xx (and never store). Each probe is data: what it sends and why.

They run on the run's own stocktake (and a line no counter touches), recorded like every other
operation with `probe` naming them and `expect="refusal"`; a 5xx is `server-error` naming the
probe, and a change stored anyway is `write-despite-error` (the re-read after the probes, and
the run's truth, show it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..api import ApiRequest, StocktakeApi
from ..bots.calls import perform
from .context import FlowContext


@dataclass(frozen=True)
class Probe:
    name: str
    kind: str
    why: str
    request: Callable[[StocktakeApi, dict[str, Any], dict[str, Any]], ApiRequest]


def _patch(body: Any, raw: str | None = None, content_type: str = "application/json") -> Callable[..., ApiRequest]:
    def build(api: StocktakeApi, stocktake: dict[str, Any], line: dict[str, Any]) -> ApiRequest:
        return ApiRequest("PATCH", f"/stocktake-lines/{line['id']}/", body, raw=raw, content_type=content_type)

    return build


def _movement(quantity: Any) -> Callable[..., ApiRequest]:
    def build(api: StocktakeApi, stocktake: dict[str, Any], line: dict[str, Any]) -> ApiRequest:
        body = {"movement_type": "PURCHASE", "quantity": quantity}
        return ApiRequest("POST", f"/stocktake-lines/{line['id']}/add-movement/", raw=json.dumps(body))

    return build


def _same_period(api: StocktakeApi, stocktake: dict[str, Any], line: dict[str, Any]) -> ApiRequest:
    return api.create_stocktake(str(stocktake.get("period_start")), str(stocktake.get("period_end")))


PROBES: tuple[Probe, ...] = (
    Probe("duplicate-period", "create_stocktake", "a second stocktake for a period that has one", _same_period),
    Probe("float-quantity", "add_movement", "a quantity as a JSON float, where whole units are wanted", _movement(2.5)),
    Probe("negative", "patch_line", "a negative count", _patch({"counted_partial_units": -1})),
    Probe("nan", "patch_line", "NaN as a count", _patch({"counted_partial_units": "NaN"})),
    Probe("huge", "patch_line", "a count past any column's range", _patch({"counted_full_units": 1e15})),
    Probe("over-precise", "patch_line", "more places than stored", _patch({"counted_partial_units": "1.234567"})),
    Probe("string", "patch_line", "words for a number", _patch({"counted_full_units": "twelve"})),
    Probe("empty-body", "patch_line", "an empty JSON object", _patch({})),
    Probe("unknown-field", "patch_line", "a field the API does not have", _patch({"colour": "red"})),
    Probe("wrong-content-type", "patch_line", "a form body, not JSON",
          _patch(None, raw="counted_full_units=1", content_type="application/x-www-form-urlencoded")),
)  # fmt: skip


def run_probes(ctx: FlowContext) -> None:
    """Every probe once, then a re-read of the stocktakes, so a probe stored anyway shows."""
    api = ctx.api
    listed = api.send(api.get_stocktake(ctx.stocktake_id))
    stocktake = listed.body if listed.ok and isinstance(listed.body, dict) else {}
    line = (ctx.spare_lines or ctx.lines_in_play)[-1]
    for probe in PROBES:
        context: dict[str, Any] = {
            "stocktake_id": ctx.stocktake_id, "expect": "refusal", "probe": probe.name, "why": probe.why
        }  # fmt: skip
        if probe.kind != "create_stocktake":
            context["line_id"] = line["id"]
        op = perform(ctx.history, api, "prober", probe.kind, probe.request(api, stocktake, line), **context)
        if probe.kind == "create_stocktake" and op.ok and isinstance(op.body, dict) and "id" in op.body:
            ctx.created.append(int(op.body["id"]))
    perform(ctx.history, api, "prober", "list_stocktakes", api.list_stocktakes())
