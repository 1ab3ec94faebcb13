"""Findings grouped by cause, causes first: what a reader needs before the hundreds of rows.

One lost event owed to 300 listeners is one group (key: finding and operation); one stall
that makes a burst of writes late for everyone is one group (late events whose writes were
invoked within a latency limit of each other); findings about no single write group by
finding and event. Groups are ordered so that causes (a missing or duplicated event, a
server error) come before what follows from them (a diverged view, a late event).
report.json keeps every member; consoles and pages show the groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..checks.findings import NAMES, Finding

CAUSES_FIRST = (
    "server-error", "write-despite-error", "writes-refused", "missing-event", "duplicate-event", "unexpected-event",
    "wrong-channel", "oversize-payload", "envelope-mismatch", "payload-mismatch", "self-echo",
    "locked-write-accepted", "cross-hotel-access", "out-of-order", "late-event", "gap-during-disconnect",
    "divergence", "public-channel-exposure",
)  # fmt: skip


@dataclass(frozen=True)
class FindingGroup:
    name: str
    severity: str
    count: int
    summary: str
    operations: list[int]
    listeners: int
    example: str


def cause_rank(name: str) -> int:
    return CAUSES_FIRST.index(name) if name in CAUSES_FIRST else len(CAUSES_FIRST) + list(NAMES).index(name)


def _span(operations: list[int]) -> str:
    if not operations:
        return ""
    if len(operations) == 1:
        return f"operation {operations[0]}"
    return (
        f"operations {operations[0]}-{operations[-1]}"
        if len(operations) > 2
        else f"operations {operations[0]}, {operations[1]}"
    )


def _group(members: list[Finding]) -> FindingGroup:
    first = members[0]
    operations = sorted({f.operation for f in members if f.operation is not None})
    listeners = len({f.listener for f in members if f.listener is not None})
    what = _span(operations) or first.event or first.channel
    summary = f"{len(members)} x {first.name}" + (f": {what}" if what else "")
    summary += f" for {listeners} listener(s)" if listeners else ""
    if first.name == "late-event":
        worst = max((f.times.get("received", 0.0) - f.times.get("invoke", 0.0) for f in members), default=0.0)
        summary += f", up to {worst:.1f} s"
    return FindingGroup(first.name, first.severity, len(members), summary, operations, listeners, first.message)


def _late_bursts(late: list[Finding], limit_s: float) -> list[list[Finding]]:
    """Late events whose writes were invoked within `limit_s` of the previous one: one stall."""
    bursts: list[list[Finding]] = []
    last = None
    for f in sorted(late, key=lambda f: f.times.get("invoke", 0.0)):
        at = f.times.get("invoke", 0.0)
        if last is None or at - last > limit_s:
            bursts.append([])
        bursts[-1].append(f)
        last = at
    return bursts


def group_findings(findings: Iterable[Finding], limit_s: float) -> list[FindingGroup]:
    keyed: dict[tuple[str, str, object], list[Finding]] = {}
    late: list[Finding] = []
    for f in findings:
        if f.name == "late-event":
            late.append(f)
        else:
            keyed.setdefault((f.name, f.severity, f.operation if f.operation is not None else f.event), []).append(f)
    groups = [_group(members) for members in [*keyed.values(), *_late_bursts(late, limit_s)]]
    return sorted(groups, key=lambda g: (cause_rank(g.name), -g.count, g.operations[:1]))
