"""out-of-order: two changes of one line seen in the opposite order to the server's.

The server's order is known for certain only for writes that did not overlap: if A
completed before B was invoked, A committed first. One sweep per listener and line.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from .delivery import Match
from .findings import Finding


def check_order(matches: list[Match], judged: Counter[str]) -> Iterator[Finding]:
    """Judged: every matched delivery of a line change, each held against the ones before it."""
    streams: dict[tuple[str, object], list[Match]] = defaultdict(list)
    for m in matches:
        line_id = m.receipt.payload.line_id
        if line_id is not None:
            streams[(m.receipt.listener, line_id)].append(m)
            judged["out-of-order"] += 1
    for (listener, line_id), stream in streams.items():
        stream.sort(key=lambda m: m.receipt.time)
        latest: Match | None = None
        for m in stream:
            if latest is not None and (m.op.complete or m.op.invoke) < latest.op.invoke:
                yield Finding(
                    "out-of-order",
                    f"{listener} saw operation {latest.op.id} on line {line_id} before "
                    f"operation {m.op.id}, which the server completed first",
                    m.receipt.channel,
                    m.receipt.event,
                    m.op.id,
                    listener,
                    expected=[m.op.id, latest.op.id],
                    actual=[latest.op.id, m.op.id],
                    times={
                        "earlier_op_complete": m.op.complete or m.op.invoke,
                        "later_op_invoke": latest.op.invoke,
                        "later_received": latest.receipt.time,
                        "earlier_received": m.receipt.time,
                    },
                )
            if latest is None or m.op.invoke > latest.op.invoke:
                latest = m
