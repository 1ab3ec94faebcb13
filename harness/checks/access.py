"""Checks on operations alone: locked writes, cross-hotel access, server errors.

Each counts what it judged: every operation for server-error, every call made with another
hotel's data for cross-hotel-access, every write invoked after its stocktake's approval for
locked-write-accepted. A run that tried none of these says so ("not judged"), never green.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..contract import WRITE_KINDS
from ..history import HistoryData, Operation
from .findings import Finding
from .model import stocktake_of


def words(body: object) -> str:
    """The server's own words: a DRF `detail`, else the body as sent (cut to 200 characters)."""
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return str(body)[:200]


def probe_note(op: Operation) -> str:
    """ ", probe duplicate-period": a bad-input probe is named wherever its operation is."""
    return f", probe {op.request['probe']}" if "probe" in op.request else ""


LOCKABLE = tuple(kind for kind in WRITE_KINDS if kind not in ("approve", "delete_stocktake", "create_stocktake"))


def approvals(history: HistoryData, started: bool = False) -> dict[int, float]:
    """When each stocktake was first approved (the approve's completion: later writes are locked),
    or, with `started`, when the first successful approve was sent (writes answered after it may
    have landed on either side of the lock)."""
    approved_at: dict[int, float] = {}
    for op in history.operations:
        if op.kind == "approve" and op.ok and op.complete is not None:
            sid = stocktake_of(op)
            at = op.invoke if started else op.complete
            if sid is not None:
                approved_at[sid] = min(approved_at.get(sid, at), at)
    return approved_at


def after_lock(op: Operation, approved_at: dict[int, float]) -> float | None:
    """The approval a write came after, if it is a write the lock must refuse."""
    sid = stocktake_of(op)
    locked = approved_at.get(sid) if sid is not None else None
    return locked if op.kind in LOCKABLE and locked is not None and op.invoke > locked else None


def check_access(history: HistoryData, judged: Counter[str]) -> Iterator[Finding]:
    approved_at = approvals(history)
    for op in history.operations:
        times = {"invoke": op.invoke, "complete": op.complete or op.invoke}
        judged["server-error"] += 1
        if op.type == "info" or (op.status is not None and op.status >= 500):
            yield Finding(
                "server-error",
                f"operation {op.id} ({op.kind}{probe_note(op)}) "
                + (f"answered {op.status}: {words(op.body)}" if op.status else f"never answered: {op.error}"),
                operation=op.id,
                expected="a 2xx or 4xx answer",
                actual={"status": op.status, "body": op.body} if op.status else op.error,
                times=times,
            )
        if op.actor_hotel != op.hotel:
            judged["cross-hotel-access"] += 1
            if op.ok:
                yield Finding(
                    "cross-hotel-access",
                    f"{op.actor} of {op.actor_hotel} was allowed {op.kind} on {op.hotel}'s data",
                    operation=op.id,
                    expected="404",
                    actual=op.status,
                    times=times,
                )
        locked = after_lock(op, approved_at)
        if locked is not None:
            judged["locked-write-accepted"] += 1
            if op.ok:
                yield Finding(
                    "locked-write-accepted",
                    f"operation {op.id} ({op.kind}) changed stocktake {stocktake_of(op)} after it was approved",
                    operation=op.id,
                    expected="409 (locked)",
                    actual=op.status,
                    times={**times, "approved": locked},
                )
