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

from typing import Any

from ..record.history import Operation
from .findings import Finding

Seen = tuple[float, Operation, float, Any]
"""A delivery as kept: its write's invoke (first, read without an attribute), the write, when it was
received, and its line: all a finding about it needs (the listener and channel are where it is kept)."""


class OrderWatch:
    def __init__(self) -> None:
        self._latest: dict[str, tuple[dict[Any, Seen], dict[str, Seen]]] = {}
        """listener -> the latest-invoked delivery it got of each line, and on each channel."""
        self.judged = 0
        """Every matched delivery of a line change, each held against the ones before it."""

    def seen(self, op: Operation, listener: str, channel: str, event: str, t: float, line_id: Any) -> Finding | None:
        """`listener` got `op`'s `event` about `line_id` (not None) on `channel` at `t`."""
        self.judged += 1
        latest = self._latest.get(listener)
        if latest is None:
            latest = self._latest[listener] = ({}, {})
        lines, channels = latest
        invoke = op.invoke
        # on its line and on its channel, the latest-invoked delivery before it, which this one
        # replaces if invoked later; swapped with it if the server completed this one's write first
        same_line, across = lines.get(line_id), channels.get(channel)
        seen = (invoke, op, t, line_id)
        if same_line is None or invoke > same_line[0]:
            lines[line_id] = seen
        if across is None or invoke > across[0]:
            channels[channel] = seen
        done = op.complete or invoke
        if same_line is not None and done < same_line[0]:
            return _finding(listener, channel, event, seen, same_line)
        if across is not None and done < across[0] and across[3] != line_id:
            return _finding(listener, channel, event, seen, across)
        return None


def _finding(listener: str, channel: str, event: str, m: Seen, later: Seen) -> Finding:
    """`listener` got `later` before `m` (its `event` on `channel`), though `m`'s write completed first."""
    _, op, received, line_id = m
    _, later_op, later_received, later_line = later
    same = line_id == later_line
    message = (
        f"{listener} saw operation {later_op.id} on line {line_id} before operation {op.id}, "
        "which the server completed first"
        if same
        else f"{listener} saw operation {later_op.id} (line {later_line}) before operation {op.id} "
        f"(line {line_id}), which the server completed first: the contract's frontend replaces each line by "
        "its id, so its page ends the same"
    )
    return Finding(
        "out-of-order",
        message,
        channel,
        event,
        op.id,
        listener,
        expected=[op.id, later_op.id],
        actual=[later_op.id, op.id],
        times={
            "earlier_op_complete": op.complete or op.invoke,
            "later_op_invoke": later_op.invoke,
            "later_received": later_received,
            "earlier_received": received,
        },
        warning=not same,
    )
