"""Checks on operations alone: locked writes, cross-hotel access, server errors."""

from __future__ import annotations

from collections.abc import Iterator

from ..contract import WRITE_KINDS
from ..history import HistoryData
from .findings import Finding
from .model import stocktake_of


def check_access(history: HistoryData) -> Iterator[Finding]:
    approved_at: dict[int, float] = {}
    for op in history.operations:
        if op.kind == "approve" and op.ok and op.complete is not None:
            sid = stocktake_of(op)
            if sid is not None:
                approved_at[sid] = min(approved_at.get(sid, op.complete), op.complete)
    for op in history.operations:
        times = {"invoke": op.invoke, "complete": op.complete or op.invoke}
        if op.type == "info" or (op.status is not None and op.status >= 500):
            yield Finding(
                "server-error",
                f"operation {op.id} ({op.kind}) "
                + (f"answered {op.status}" if op.status else f"never answered: {op.error}"),
                operation=op.id,
                expected="a 2xx or 4xx answer",
                actual=op.status or op.error,
                times=times,
            )
        if op.ok and op.actor_hotel != op.hotel:
            yield Finding(
                "cross-hotel-access",
                f"{op.actor} of {op.actor_hotel} was allowed {op.kind} on {op.hotel}'s data",
                operation=op.id,
                expected="404",
                actual=op.status,
                times=times,
            )
        sid = stocktake_of(op)
        locked = approved_at.get(sid) if sid is not None else None
        if (
            op.ok
            and op.kind in WRITE_KINDS
            and op.kind not in ("approve", "delete_stocktake")
            and locked is not None
            and op.invoke > locked
        ):
            yield Finding(
                "locked-write-accepted",
                f"operation {op.id} ({op.kind}) changed stocktake {sid} after it was approved",
                operation=op.id,
                expected="409 (locked)",
                actual=op.status,
                times={**times, "approved": locked},
            )
