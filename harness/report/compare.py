"""What got worse between two runs' report.json: the question a CI job asks of every change.

A regression is a verdict that fell (PASS to FAIL or INCONCLUSIVE), a finding name that
had no findings and now has some, more findings of a name than before, a check that judged
something and now judges nothing (but the rules that judge the harness itself: unjudged-fault, which
judges the faults a run injected, and harness-stall, which judges late deliveries: a run with none is
no worse), or p99 delivery latency up by more than the threshold
(a share, and at least MIN_P99_RISE_MS: two runs on a shared CI machine differ by chance). Pure:
two report dicts in, regressions out.

A percentile is only as steady as the deliveries above it: a staging run's 110 deliveries put one
above its p99, and one slow write seen by every listener moves it by hundreds of ms between two
healthy runs. So the latency compared is the highest percentile with at least MIN_TAIL deliveries
above it in both runs (the p99 from 2,000 deliveries, down to the median from 40), and the change
names it; with fewer deliveries, latency is not compared, and the change says so.
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
MIN_TAIL = 20
PERCENTILES = (("p99", 99), ("p95", 95), ("p90", 90), ("p50", 50))


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
    p95: float | None = Field(default=None, ge=0)
    p90: float | None = Field(default=None, ge=0)
    p50: float | None = Field(default=None, ge=0)


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


def _latency(report: dict[str, Any]) -> dict[str, Any]:
    summary = (report.get("latency") or {}).get("all", {})
    return summary if summary.get("count") else {}


def _steady_percentile(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The highest percentile both summaries give with at least MIN_TAIL deliveries above it."""
    fewer = min(old["count"], new["count"])
    for name, percent in PERCENTILES:
        if fewer * (100 - percent) >= MIN_TAIL * 100 and old.get(name) is not None and new.get(name) is not None:
            return name
    return None


def _latency_change(old: dict[str, Any], new: dict[str, Any], rise: float) -> Change | None:
    if not old or not new:
        return None
    name = _steady_percentile(old, new)
    if name is None:
        what = (
            f"p99 latency ms, not compared: {old['count']} and {new['count']} deliveries "
            f"(a percentile needs {MIN_TAIL} above it in each run)"
        )
        return Change(what, old["p99"], new["p99"], False) if old["p99"] != new["p99"] else None
    before, after = float(old[name]), float(new[name])
    if before == after:
        return None
    what = "p99 latency ms" if name == "p99" else f"{name} latency ms (too few deliveries for a steady p99)"
    worse = after > before * (1 + rise) and after - before >= MIN_P99_RISE_MS
    return Change(what, before, after, worse)


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
    latency = _latency_change(_latency(old), _latency(new), p99_rise)
    return [*changes, latency] if latency else changes
