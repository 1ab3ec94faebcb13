"""What a run leaves on its target that the API cannot delete: told plainly, never hidden.

Deleting a stocktake removes its lines, but the movements counters added (and any a failed write
stored anyway) and the stock adjustments an approval made stay in the backend's books, dated today,
and move the items' stock levels. The run reads every item's stock level before and after through
the API and tells each change by item and amount, in the API's own stored units; it claims nothing
about what cancels out that it did not re-read. Operations are taken one at a time as each completes
(`History.on_complete`), so a run that keeps no operations in memory still knows what it left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..api import StocktakeApi
from ..checks.writes import stored_despite_error
from ..record.history import History, Operation
from .reread import FailedMovement, StockLevels, reread_movements

SHOWN = 10


@dataclass
class Residue:
    movements: list[int] = field(default_factory=list)
    approvals: list[int] = field(default_factory=list)
    failed: list[tuple[FailedMovement, dict[str, Any]]] = field(default_factory=list)  # with the body sent
    despite_error: list[int] = field(default_factory=list)
    stock_before: StockLevels | None = None
    stock: list[dict[str, Any]] = field(default_factory=list)
    stock_unread: str | None = None

    def take(self, op: Operation) -> None:
        if op.kind == "add_movement" and op.failed and str(op.request.get("line_id", "")).isdigit():
            body = op.request.get("body")
            self.failed.append(
                (FailedMovement(op.id, int(op.request["line_id"]), None), body if isinstance(body, dict) else {})
            )
        if not op.ok:
            return
        if op.movement is not None:
            movement_id = str(op.movement.get("id", ""))
            if movement_id.isdigit():
                self.movements.append(int(movement_id))
        elif op.kind == "approve" and str(op.request.get("stocktake_id", "")).isdigit():
            self.approvals.append(int(op.request["stocktake_id"]))

    def before(self, api: StocktakeApi) -> None:
        """Every item's stock level, before the run writes anything."""
        self.stock_before = StockLevels.read(api)

    def reread(self, api: StocktakeApi, history: History, lines: list[dict[str, Any]]) -> None:
        """The movement listings of the lines a movement failed on: what was stored despite the error."""
        if not self.failed:
            return
        item_of = {line.get("id"): line.get("item") for line in lines}
        failed = [(FailedMovement(f.operation, f.line_id, item_of.get(f.line_id)), body) for f, body in self.failed]
        listed = reread_movements(api, history, [f for f, _ in failed])
        explained = set(self.movements)
        for write, body in failed:
            row = stored_despite_error(body, listed.get(write.line_id, []), explained, write.line_id)
            if row is not None:
                explained.add(row["id"])
                self.despite_error.append(int(row["id"]))

    def after(self, api: StocktakeApi) -> None:
        """Every item's stock level again, after the cleanup: what changed is what the run left."""
        if self.stock_before is None:
            return
        if self.stock_before.why is not None:
            self.stock_unread = self.stock_before.why
            return
        after = StockLevels.read(api)
        self.stock_unread = after.why
        self.stock = self.stock_before.changes(after) if after.why is None else []

    def found(self) -> dict[str, Any]:
        return {
            "movements": list(self.movements),
            "despite_error": list(self.despite_error),
            "approvals": list(self.approvals),
            "stock_changed": list(self.stock),
            "stock_unread": self.stock_unread,
        }


def _ids(ids: list[int]) -> str:
    more = f", +{len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return f"ids {', '.join(map(str, ids[:SHOWN]))}{more}"


def in_words(left: dict[str, Any]) -> str | None:
    parts = []
    if left.get("movements"):
        parts.append(f"{len(left['movements'])} movement(s) ({_ids(left['movements'])})")
    if left.get("despite_error"):
        parts.append(f"{len(left['despite_error'])} movement(s) stored despite an error answer "
                     f"({_ids(left['despite_error'])})")  # fmt: skip
    if left.get("approvals"):
        parts.append(f"the stock adjustments of {len(left['approvals'])} approval(s) "
                     f"(stocktake {', '.join(map(str, left['approvals']))})")  # fmt: skip
    changed = left.get("stock_changed") or []
    if changed:
        shown = ", ".join(f"{c['sku'] or c['item']} {_signed(c['change'])}" for c in changed[:SHOWN])
        more = f", +{len(changed) - SHOWN} more" if len(changed) > SHOWN else ""
        parts.append(f"{len(changed)} item stock level(s) changed, re-read before and after: {shown}{more}")
    if left.get("stock_unread"):
        parts.append(f"item stock levels could not be compared ({left['stock_unread']}): their changes are unknown")
    return "; ".join(parts) or None


def _signed(change: str) -> str:
    return change if change.startswith("-") else f"+{change}"
