"""What got worse between two runs' report.json: the question a CI job asks of every change.

A regression is a verdict that fell (PASS to FAIL or INCONCLUSIVE), a finding name that
had no findings and now has some, more findings of a name than before, a check that judged
something and now judges nothing (but unjudged-fault, which judges the faults a run injected: a run
with none is no worse), or p99 delivery latency up by more than the threshold
(a share, and at least MIN_P99_RISE_MS: two runs on a shared CI machine differ by chance). Pure:
two report dicts in, regressions out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..checks.findings import INCONCLUSIVE
from ..errors import UsageError

RANK = {"PASS": 0, "INCONCLUSIVE": 1, "FAIL": 2}
MIN_P99_RISE_MS = 20.0


Count = Annotated[int, Field(ge=0)]


class _Read(BaseModel):
    """What compare reads of a report.json, typed: anything else in it is not compare's business."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, strict=True)


class _Check(_Read):
    name: str
    count: Count
    judged: Count


class _Summary(_Read):
    count: Count
    p99: float = Field(ge=0)


class _Latency(_Read):
    all: _Summary | None = None


class _Compared(_Read):
    verdict: Literal["PASS", "FAIL", "INCONCLUSIVE"]
    checks: list[_Check] = Field(min_length=1)
    latency: _Latency | None = None


def readable(loaded: Any, source: str) -> dict[str, Any]:
    """`loaded` as compare reads it, or UsageError naming `source` and the field. A report without
    checks has nothing to compare: as a baseline every finding would look new, as a candidate
    none would."""
    if isinstance(loaded, dict) and not loaded.get("checks", None):
        raise UsageError(f"{source}: a report without checks (no checks or findings data) cannot be compared")
    try:
        return _Compared.model_validate(loaded).model_dump(exclude_none=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "<report>"
        raise UsageError(f"{source}: {field}: {error['msg']}") from None


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
    if not math.isfinite(p99_rise) or p99_rise < 0:
        raise UsageError(f"the p99 rise must be a finite share of 0 or more, not {p99_rise}")
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
