"""out-of-order: two changes seen in the opposite order to the server's.

The server's order is known for certain only for writes that did not overlap: if A
completed before B was invoked, A committed first. The stream hands each listener's matched
line deliveries over in arrival order; each is held against the latest-invoked one before it
on that line, and on that channel, which is all that is kept per (listener, line) and
(listener, channel).

Two changes of one line swapped are an error: the contract's frontend replaces the line with
each event's, so the older one wins on its page. Two changes of different lines swapped are a
warning: the same frontend replaces each line by its id, so its page ends the same, but a swap
is still evidence of a delivery out of the server's order (a reordering Pusher, a delayed event)
and is shown, not left unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..record.history import Operation
from .findings import Finding
from .model import Receipt

Seen = tuple[Operation, Receipt]


@dataclass(slots=True)
class _Seen:
    op: Operation
    receipt: Receipt


class OrderWatch:
    def __init__(self) -> None:
        self._latest: dict[str, tuple[dict[Any, Seen], dict[str, Seen]]] = {}
        """listener -> the latest-invoked delivery it got of each line, and on each channel."""
        self.judged = 0
        """Every matched delivery of a line change, each held against the ones before it."""

    def seen(self, op: Operation, receipt: Receipt) -> Finding | None:
        line_id = receipt.payload.line_id
        if line_id is None:
            return None
        self.judged += 1
        latest = self._latest.get(receipt.listener)
        if latest is None:
            latest = self._latest[receipt.listener] = ({}, {})
        lines, channels = latest
        seen, channel, invoke, done = (op, receipt), receipt.channel, op.invoke, op.complete or op.invoke
        # on its line and on its channel, the latest-invoked delivery before it, which this one
        # replaces if invoked later; swapped with it if the server completed this one's write first
        same_line, across = lines.get(line_id), channels.get(channel)
        if same_line is None or invoke > same_line[0].invoke:
            lines[line_id] = seen
        if across is None or invoke > across[0].invoke:
            channels[channel] = seen
        if same_line is not None and done < same_line[0].invoke:
            return _finding(_Seen(op, receipt), _Seen(*same_line))
        if across is not None and done < across[0].invoke and across[1].payload.line_id != line_id:
            return _finding(_Seen(op, receipt), _Seen(*across))
        return None


def _finding(m: _Seen, later: _Seen) -> Finding:
    line_id, later_line = m.receipt.payload.line_id, later.receipt.payload.line_id
    same = line_id == later_line
    message = (
        f"{m.receipt.listener} saw operation {later.op.id} on line {line_id} before operation {m.op.id}, "
        "which the server completed first"
        if same
        else f"{m.receipt.listener} saw operation {later.op.id} (line {later_line}) before operation {m.op.id} "
        f"(line {line_id}), which the server completed first: the contract's frontend replaces each line by "
        "its id, so its page ends the same"
    )
    return Finding(
        "out-of-order",
        message,
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
        warning=not same,
    )
