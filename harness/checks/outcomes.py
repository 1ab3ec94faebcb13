"""Each rule's outcome: what it judged, what it found, and Jepsen's valid? of it.

A rule is `invalid` if it found an error; `unknown` if it judged nothing, or said the run proves
nothing (an inconclusive finding: the harness was blind); `valid` otherwise. Warnings are reported
and leave a rule valid: they are true of the system under test but are no defect of sync (public
channels, a payload near the limit, a planned disconnect's gap). A rule that judged nothing is
unknown even with warnings: they show it looked, not that it held anything against the contract.

The verdict (`verdict.py`) merges outcomes as Jepsen does: invalid beats unknown beats valid. Every
view (report, report.json, junit.xml, the Sync tab) shows the status an outcome returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .findings import Finding
from .rules import RULES

Status = Literal["valid", "invalid", "unknown"]
RANK: dict[Status, int] = {"valid": 0, "unknown": 1, "invalid": 2}


@dataclass(frozen=True)
class Outcome:
    rule: str
    judged: int
    findings: list[Finding] = field(default_factory=list)
    status: Status = "unknown"

    @property
    def blind(self) -> list[Finding]:
        """Its inconclusive findings: each says what the harness could not see."""
        return [f for f in self.findings if f.severity == "inconclusive"]


def outcome(rule: str, judged: int, findings: list[Finding]) -> Outcome:
    severities = {f.severity for f in findings}
    status: Status
    if "error" in severities:
        status = "invalid"
    elif not judged or "inconclusive" in severities:
        status = "unknown"
    else:
        status = "valid"
    return Outcome(rule, judged, findings, status)


def outcomes(findings: Iterable[Finding], judged: Mapping[str, int]) -> dict[str, Outcome]:
    """Every rule's outcome (and any other name a finding carries), in the registry's order."""
    by_rule: dict[str, list[Finding]] = {name: [] for name in RULES}
    for finding in findings:
        by_rule.setdefault(finding.name, []).append(finding)
    return {name: outcome(name, judged.get(name, 0), found) for name, found in by_rule.items()}


def merge(statuses: Iterable[Status]) -> Status:
    """Jepsen's merge of valid?: invalid beats unknown beats valid; nothing to merge is valid."""
    return max(statuses, key=RANK.__getitem__, default="valid")
