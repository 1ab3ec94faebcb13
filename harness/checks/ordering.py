"""out-of-order: two changes of one line seen in the opposite order to the server's.

The server's order is known for certain only for writes that did not overlap: if A
completed before B was invoked, A committed first. The stream hands each listener's matched
line deliveries over in arrival order; each is held against the latest-invoked one before it
on that line, which is all that is kept per (listener, line).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..history import Operation
from .findings import Finding
from .model import Receipt


@dataclass(slots=True)
class _Seen:
    op: Operation
    receipt: Receipt


class OrderWatch:
    def __init__(self) -> None:
        self._latest: dict[tuple[str, object], tuple[Operation, Receipt]] = {}
        self.judged = 0
        """Every matched delivery of a line change, each held against the ones before it."""

    def seen(self, op: Operation, receipt: Receipt) -> Finding | None:
        line_id = receipt.payload.line_id
        if line_id is None:
            return None
        self.judged += 1
        stream = (receipt.listener, line_id)
        latest = self._latest.get(stream)
        if latest is None or op.invoke > latest[0].invoke:
            self._latest[stream] = (op, receipt)
        if latest is None or (op.complete or op.invoke) >= latest[0].invoke:
            return None
        m = _Seen(op, receipt)
        later = _Seen(*latest)
        return Finding(
            "out-of-order",
            f"{m.receipt.listener} saw operation {later.op.id} on line {line_id} before "
            f"operation {m.op.id}, which the server completed first",
            m.receipt.channel,
            m.receipt.event,
            m.op.id,
            m.receipt.listener,
            expected=[m.op.id, later.op.id],
            actual=[later.op.id, m.op.id],
            times={
                "earlier_op_complete": m.op.complete or m.op.invoke,
                "later_op_invoke": later.op.invoke,
                "later_received": later.receipt.time,
                "earlier_received": m.receipt.time,
            },
        )
