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

Seen = tuple[float, Operation, Receipt]
"""A delivery as kept: its write's invoke (read first, without an attribute), the write, the receipt."""


@dataclass(slots=True)
class _Seen:
    op: Operation
    receipt: Receipt


class OrderWatch:
    def __init__(self) -> None:
        self._lines: dict[tuple[str, Any], Seen] = {}
        """(listener, line) -> the latest-invoked delivery it got of that line."""
        self._channels: dict[tuple[str, str], Seen] = {}
        """(listener, channel) -> the latest-invoked delivery it got on that channel."""
        self.judged = 0
        """Every matched delivery of a line change, each held against the ones before it."""

    def seen(self, op: Operation, receipt: Receipt, line_id: Any) -> Finding | None:
        """`receipt` delivered `op`'s change of `line_id` (its payload's, not None). Kept flat, keyed by
        listener and line or channel: every line delivery passes here."""
        self.judged += 1
        listener, channel, invoke = receipt.listener, receipt.channel, op.invoke
        line_key, channel_key = (listener, line_id), (listener, channel)
        lines, channels = self._lines, self._channels
        # on its line and on its channel, the latest-invoked delivery before it, which this one
        # replaces if invoked later; swapped with it if the server completed this one's write first
        same_line, across = lines.get(line_key), channels.get(channel_key)
        seen = (invoke, op, receipt)
        if same_line is None or invoke > same_line[0]:
            lines[line_key] = seen
        if across is None or invoke > across[0]:
            channels[channel_key] = seen
        done = op.complete or invoke
        if same_line is not None and done < same_line[0]:
            return _finding(_Seen(op, receipt), _Seen(same_line[1], same_line[2]))
        if across is not None and done < across[0] and across[2].payload.line_id != line_id:
            return _finding(_Seen(op, receipt), _Seen(across[1], across[2]))
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
