"""What got worse between two runs' report.json: the question a CI job asks of every change.

A regression is a verdict that fell (PASS to FAIL or INCONCLUSIVE), a finding name that
had no findings and now has some, more findings of a name than before, a check that judged
something and now judges nothing (but unjudged-fault, which judges the faults a run injected: a run
with none is no worse), or p99 delivery latency up by more than the threshold
(a share, and at least MIN_P99_RISE_MS: two runs on a shared CI machine differ by chance). Pure:
two report dicts in, regressions out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..checks.findings import INCONCLUSIVE

RANK = {"PASS": 0, "INCONCLUSIVE": 1, "FAIL": 2}
MIN_P99_RISE_MS = 20.0


@dataclass(frozen=True)
class Change:
    what: str
    before: Any
    after: Any
    regression: bool


def _checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report.get("checks", []) if isinstance(c, dict) and "name" in c}


def _p99(report: dict[str, Any]) -> float | None:
    value = (report.get("latency") or {}).get("all", {}).get("p99")
    count = (report.get("latency") or {}).get("all", {}).get("count")
    return float(value) if isinstance(value, (int, float)) and count else None


def compare(old: dict[str, Any], new: dict[str, Any], p99_rise: float = 0.2) -> list[Change]:
    changes: list[Change] = []
    before, after = str(old.get("verdict")), str(new.get("verdict"))
    if before != after:
        changes.append(Change("verdict", before, after, RANK.get(after, 3) > RANK.get(before, 3)))
    old_checks, new_checks = _checks(old), _checks(new)
    for name, check in new_checks.items():
        was = old_checks.get(name, {"count": 0, "judged": 0})
        if check.get("count", 0) != was.get("count", 0):
            changes.append(
                Change(
                    f"{name} findings",
                    was.get("count", 0),
                    check.get("count", 0),
                    check.get("count", 0) > was.get("count", 0),
                )
            )
        if was.get("judged", 0) and not check.get("judged", 0) and name not in INCONCLUSIVE:
            changes.append(Change(f"{name} judged", was.get("judged"), 0, True))
    old_p99, new_p99 = _p99(old), _p99(new)
    if old_p99 is not None and new_p99 is not None and new_p99 != old_p99:
        worse = new_p99 > old_p99 * (1 + p99_rise) and new_p99 - old_p99 >= MIN_P99_RISE_MS
        changes.append(Change("p99 latency ms", old_p99, new_p99, worse))
    return changes
