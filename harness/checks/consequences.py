"""A page that differs from the server because of a defect already found is that defect's consequence.

The views check (`views.py`) rebuilds each page from what it got. A line it shows wrongly because
the last event of it the page applied carried another payload (payload-mismatch), because the
event never came (missing-event, gap-during-disconnect) or came before an older one (out-of-order),
or because the page's own write (a line's values, a movement) answered 5xx and was stored anyway
(write-despite-error: the page, told it failed, kept the old line) is not a second defect: its
divergence names that cause (`Finding.cause`) and says what happened. Lines nothing found
explains stay a divergence of their own. So a write's missing events, when its response (which
they mirror) is over Pusher's limit, carry that oversize-payload as their cause (`with_causes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from ..record.history import Operation
from .findings import Finding
from .sizes import MAX_EVENT_BYTES
from .writes import LINE_FIELDS, same_values

DELIVERY_CAUSES = ("payload-mismatch", "missing-event", "gap-during-disconnect", "out-of-order")
WHAT_HAPPENED = {
    "payload-mismatch": "applied an event whose payload differed from its write's response",
    "missing-event": "never got the event of a change",
    "gap-during-disconnect": "missed a change while its connection was down",
    "out-of-order": "applied an older change after a newer one",
    "write-despite-error": "was told its own write failed, kept the old line, yet the server stored it",
}
MOVED = {"PURCHASE": "purchases", "WASTE": "waste", "TRANSFER_IN": "transfers_in", "TRANSFER_OUT": "transfers_out",
         "ADJUSTMENT": "adjustments"}  # fmt: skip
"""The line field each movement type adds its quantity to."""


@dataclass(frozen=True)
class Cause:
    name: str
    operation: int


class Causes:
    """What explains a page's line, from the listeners' findings and the page's own failed writes."""

    def __init__(self, findings: Iterable[Finding], line_of: dict[int, Any]) -> None:
        self.line_of = line_of  # each operation's line (by its id)
        self.delivered: dict[tuple[str, Any], Cause] = {}
        for f in findings:
            if f.name in DELIVERY_CAUSES and f.listener is not None and f.operation is not None:
                key = (f.listener, self.line_of.get(f.operation))
                known = self.delivered.get(key)
                if known is None or f.operation > known.operation:
                    self.delivered[key] = Cause(f.name, f.operation)

    def of(self, listener: str, line_id: Any, own: list[Operation], truth: dict[str, Any], seen: Any) -> Cause | None:
        """The latest delivery defect of the line at this page, else its own failed write the server
        holds (`truth`) and the page (`seen`) does not."""
        found = self.delivered.get((listener, line_id))
        if found is not None:
            return found
        for op in reversed(own):
            sent = op.request.get("body")
            if (
                op.failed
                and op.request.get("line_id") == line_id
                and isinstance(sent, dict)
                and _stored(op.kind, sent, truth, seen if isinstance(seen, dict) else {})
            ):
                return Cause("write-despite-error", op.id)
        return None


def _stored(kind: str, sent: dict[str, Any], truth: dict[str, Any], seen: dict[str, Any]) -> bool:
    """The server's line holds the write: the values it sent, or the page's line plus its movement."""
    if kind == "patch_line":
        return same_values(sent, truth, LINE_FIELDS)
    field = MOVED.get(str(sent.get("movement_type")))
    if kind != "add_movement" or field is None:
        return False
    try:
        return Decimal(str(truth[field])) - Decimal(str(seen[field])) == Decimal(str(sent.get("quantity")))
    except (KeyError, InvalidOperation):
        return False


def by_cause(caused: dict[Any, Cause]) -> dict[str, tuple[str, list[Any]]]:
    """Lines by the name of their cause: name -> (the cause, naming the first operation and how many
    more; its lines)."""
    out: dict[str, tuple[str, list[Any]]] = {}
    for name in sorted({cause.name for cause in caused.values()}):
        lines = [line_id for line_id, cause in caused.items() if cause.name == name]
        operations = sorted({caused[line_id].operation for line_id in lines})
        more = f" and {len(operations) - 1} more" if len(operations) > 1 else ""
        out[name] = (f"{name} of operation {operations[0]}{more}", lines)
    return out


def with_causes(findings: list[Finding]) -> list[Finding]:
    """The run's findings, those another explains carrying it: a write's missing events, when its
    response (which its event mirrors) is over Pusher's 10 KB, were never sent (oversize-payload)."""
    oversize = {f.operation for f in findings if f.name == "oversize-payload" and f.operation is not None}
    if not oversize:
        return findings
    return [
        replace(
            f,
            message=f"{f.message}: its data is over Pusher's {MAX_EVENT_BYTES // 1024} KB, which Pusher refuses",
            cause=f"oversize-payload of operation {f.operation}",
        )
        if f.name == "missing-event" and f.operation in oversize and f.cause is None
        else f
        for f in findings
    ]
