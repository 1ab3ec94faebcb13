"""Bad-input probes: requests a frontend should never send, which a backend must refuse with a
4xx in words, never with a 5xx (and never store). Each probe is data: what it sends and why.

They run on the run's own stocktake (and a line no counter touches), recorded like every other
operation with `probe` naming them and `expect="refusal"`; a 5xx is `server-error` naming the
probe, a change stored anyway is `write-despite-error` (the re-read after the probes, and the
run's truth, show it), and a probe answered 2xx is `bad-input-accepted`: it is re-read at once
(`reread_of` names it), so the finding says what the API then holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..api import ApiRequest, StocktakeApi
from ..bots.calls import perform
from ..record.history import Operation
from .reread import LINE_MOVEMENTS

if TYPE_CHECKING:  # the flow's bots and fleet: not for a dry run, which lists the probes
    from .context import FlowContext

REFUSAL = "refusal"
NO_SERVER_ERROR = "no-server-error"


@dataclass(frozen=True)
class Probe:
    name: str
    kind: str
    why: str
    request: Callable[[StocktakeApi, dict[str, Any], dict[str, Any]], ApiRequest]
    expect: str = REFUSAL
    """REFUSAL: a 2xx is bad-input-accepted. NO_SERVER_ERROR: input a backend may take (a JSON float is
    a number Django REST framework's DecimalField accepts) but must never answer with a 5xx."""


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
    Probe("float-quantity", "add_movement", "a quantity as a JSON float, where strings are sent", _movement(2.5),
          expect=NO_SERVER_ERROR),
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
            "stocktake_id": ctx.stocktake_id, "expect": probe.expect, "probe": probe.name, "why": probe.why
        }  # fmt: skip
        if probe.kind != "create_stocktake":
            context["line_id"] = line["id"]
        op = perform(ctx.history, api, "prober", probe.kind, probe.request(api, stocktake, line), **context)
        if probe.kind == "create_stocktake" and op.ok and isinstance(op.body, dict) and "id" in op.body:
            ctx.created.append(int(op.body["id"]))
        if op.ok:
            _reread(ctx, probe, op, line)
    perform(ctx.history, api, "prober", "list_stocktakes", api.list_stocktakes())


def _reread(ctx: FlowContext, probe: Probe, op: Operation, line: dict[str, Any]) -> None:
    """What an accepted probe stored, read back through the API: the line, the line's movements, or
    the stocktake it created."""
    api = ctx.api
    context: dict[str, Any] = {"probe": probe.name, "reread_of": op.id, "stocktake_id": ctx.stocktake_id}
    if probe.kind == "create_stocktake" and isinstance(op.body, dict) and str(op.body.get("id", "")).isdigit():
        perform(ctx.history, api, "prober", "get_stocktake", api.get_stocktake(int(op.body["id"])), **context)
    elif probe.kind == "add_movement":
        path = LINE_MOVEMENTS.format(line=line["id"])
        perform(ctx.history, api, "prober", "list_movements", ApiRequest("GET", path), line_id=line["id"], **context)
    elif probe.kind == "patch_line":
        perform(ctx.history, api, "prober", "get_line", api.get_line(line["id"]), line_id=line["id"], **context)


def intruder_lines(ctx: FlowContext) -> tuple[list[dict[str, Any]], bool]:
    """The lines the cross-hotel intruder tries, and whether it may write them: the spare lines but
    the probes' own (the last), which no counter writes; with none, the counters' lines, read only."""
    spare = ctx.spare_lines[:-1] if len(ctx.spare_lines) > 1 else []
    if spare:
        return spare, True
    ctx.history.set_meta(intruder="reads only: every line of the stocktake is a counter's or the probes'")
    return ctx.lines_in_play, False
