"""What a delivery made leaves in the stream (`stream.py`), however it was judged: its latency, by
event and listener, to be counted in buckets (`StreamTotals.delivered`), and its write's slowest
(`Owed.slowest`); a row of the deliveries log, if one is kept; and, for a change of a line, its
place in the listener's order of deliveries (`ordering.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .changes import Owed, StreamTotals
from .deliveries import DeliveryLog
from .findings import Finding
from .ordering import OrderWatch
from .owed import Expectation


@dataclass(slots=True)
class Tally:
    totals: StreamTotals
    owed: dict[int, Owed]  # the writes held (`Held.owed`), by operation
    limit: float
    deliveries: DeliveryLog | None
    found: Callable[[Finding], None]  # what the order finds goes there
    order: OrderWatch = field(default_factory=OrderWatch)

    def count(self, exp: Expectation, t: float, latency: float, line_id: Any) -> None:
        """`exp` was delivered at `t`, `latency` after its write's invoke; `line_id`: the line it
        changed, if the receipt was the listener's latest (a parked copy judged later is not, and
        has no order to judge)."""
        op = exp.op
        delivered = self.totals.delivered
        latencies = delivered.get(pair := (exp.event, exp.listener))
        if latencies is None:
            delivered[pair] = [latency]
        else:
            latencies.append(latency)
        if self.deliveries is not None:
            self.deliveries.add(exp.listener, exp.channel, exp.event, op.id, op.invoke, t, latency > self.limit)
        slowest = self.owed[op.id].slowest
        if latency > slowest.get(exp.event, -1.0):
            slowest[exp.event] = latency
        if line_id is not None:
            order = self.order.seen(op, exp.listener, exp.channel, exp.event, t, line_id)
            if order is not None:
                self.found(order)
