"""unjudged-fault: every fault the embedded run injected must be explained by a finding.

A fault that fired and that no check saw means the checker was blind to it: the run proves
nothing about that kind of defect, so it cannot pass (INCONCLUSIVE, never FAIL: the backend is
not shown at fault by a blindness of the harness). The servers' logs say what fired
(`injected-fault` observations); `fault_links` says which findings each one explains, the one
linking the report shows too. Pure: history and findings in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..history import HistoryData
from .fault_links import fault_index
from .findings import Finding

NAME = "unjudged-fault"


@dataclass
class Coverage:
    findings: list[Finding] = field(default_factory=list)
    judged: int = 0
    """Every fault occurrence on record, each held against the findings."""


def fault_coverage(history: HistoryData, findings: list[Finding]) -> Coverage:
    index = fault_index(history)
    if not index.fired:
        return Coverage()
    seen = {fault.name for finding in findings for fault in index.of(finding)}
    fired = Counter(fault.name for _, fault in index.fired)
    first: dict[str, float] = {}
    for obs, fault in index.fired:
        first.setdefault(fault.name, obs.time)
    unjudged = [
        Finding(
            NAME,
            f"{name} fired {times} time(s) and no check saw it",
            expected="a finding the fault explains",
            actual=f"{times} occurrence(s), none explaining a finding",
            times={"logged": first[name]},
        )
        for name, times in sorted(fired.items())
        if name not in seen
    ]
    return Coverage(unjudged, len(index.fired))
