"""What a run leaves on its target that the API cannot delete: told plainly, never hidden.

Deleting a stocktake removes its lines, but the movements counters added and the stock
adjustments an approval made stay in the backend's books, dated today. Pure: a history in,
kinds with counts and ids out.
"""

from __future__ import annotations

from typing import Any

from ..history import HistoryData

SHOWN = 10


def residue(history: HistoryData) -> dict[str, list[int]]:
    movements = [
        int(op.body["movement"]["id"])
        for op in history.operations
        if op.ok and op.kind == "add_movement" and isinstance(op.body, dict)
        and isinstance(op.body.get("movement"), dict) and str(op.body["movement"].get("id", "")).isdigit()
    ]  # fmt: skip
    approvals = [int(op.request["stocktake_id"]) for op in history.operations
                 if op.ok and op.kind == "approve" and str(op.request.get("stocktake_id", "")).isdigit()]  # fmt: skip
    return {"movements": movements, "approvals": approvals}


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
