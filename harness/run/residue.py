"""What a run leaves on its target that the API cannot delete: told plainly, never hidden.

Deleting a stocktake removes its lines, but the movements counters added and the stock
adjustments an approval made stay in the backend's books, dated today. Pure: operations in,
kinds with counts and ids out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..history import Operation

SHOWN = 10


@dataclass
class Residue:
    """Taken one operation at a time as each completes (`History.on_complete`): a run that keeps no
    operations in memory still knows what it left."""

    movements: list[int] = field(default_factory=list)
    approvals: list[int] = field(default_factory=list)

    def take(self, op: Operation) -> None:
        if not op.ok:
            return
        if op.movement is not None:
            movement_id = str(op.movement.get("id", ""))
            if movement_id.isdigit():
                self.movements.append(int(movement_id))
        elif op.kind == "approve" and str(op.request.get("stocktake_id", "")).isdigit():
            self.approvals.append(int(op.request["stocktake_id"]))

    def found(self) -> dict[str, list[int]]:
        return {"movements": list(self.movements), "approvals": list(self.approvals)}


def in_words(left: dict[str, Any]) -> str | None:
    parts = []
    if left.get("movements"):
        ids = left["movements"]
        more = f", +{len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
        parts.append(f"{len(ids)} movement(s) (ids {', '.join(map(str, ids[:SHOWN]))}{more})")
    if left.get("approvals"):
        parts.append(f"the stock adjustments of {len(left['approvals'])} approval(s) "
                     f"(stocktake {', '.join(map(str, left['approvals']))})")  # fmt: skip
    return "; ".join(parts) or None
