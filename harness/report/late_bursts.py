"""Late deliveries told apart into stalls: one stall, or one backend late on every write, is one
cause, and a write delivered as it should be between two late ones tells two stalls apart."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from ..checks.findings import Finding


def on_time(findings: Sequence[Finding], writes: Sequence[tuple[float, int]] | None) -> list[float] | None:
    """When each successful write no finding names was invoked (None: the writes are not known, as live)."""
    if writes is None:
        return None
    named = {f.operation for f in findings}
    return [at for at, op in writes if op not in named]


def late_bursts(
    members: list[int], findings: Sequence[Finding], limit_s: float, others: Sequence[float] | None
) -> list[list[int]]:
    """Late events whose writes were invoked within `limit_s` of the previous one, or with no write
    delivered as it should be between them (`others`, invoked at: `on_time`; None: not known, as live):
    one stall, or one backend late on every write, is one cause. A write no finding names between two
    late ones tells two stalls apart."""
    bursts: list[list[int]] = []
    last = None
    for i in sorted(members, key=lambda i: findings[i].times.get("invoke", 0.0)):
        at = findings[i].times.get("invoke", 0.0)
        apart = others is None or bisect_right(others, last or 0.0) < bisect_left(others, at)
        if last is None or (at - last > limit_s and apart):
            bursts.append([])
        bursts[-1].append(i)
        last = at
    return bursts
