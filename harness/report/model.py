"""One typed report of a run, from which every format (console, JSON, JUnit, HTML) is rendered.

Pure: a history, a check result and the secrets in; a `Report` out. Secrets are replaced
in the serialised report before the model is built, so no format can leak a token or the
Pusher secret. `Report.to_json_dict()` is report.json's shape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..checks import DEFAULT_LATENCY_LIMIT_MS, CheckResult
from ..checks.findings import NAMES
from ..history import HistoryData
from .explain import explanations
from .groups import FindingGroup, group_findings

REDACTED = "[redacted]"
TIMELINE_LIMIT = 4000


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class CheckRow(_Model):
    name: str
    meaning: str
    count: int
    severity: str
    judged: int
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """ "not judged" is never green: a check that held nothing against the contract passed nothing."""
        if self.count:
            return "warning" if self.severity == "warning" else "failed"
        return "passed" if self.judged else "not judged"


class FindingRecord(_Model):
    severity: str
    name: str
    message: str
    channel: str | None = None
    event: str | None = None
    operation: int | None = None
    listener: str | None = None
    expected: Any = None
    actual: Any = None
    diff: list[str] = Field(default_factory=list)
    times: dict[str, float] = Field(default_factory=dict)
    explained_by: list[str] = Field(default_factory=list)


class LatencySummary(_Model):
    count: int
    p50: float
    p90: float
    p99: float
    max: float


class Histogram(_Model):
    edges_ms: list[float]
    counts: list[int]


class Latency(_Model):
    unit: str = "ms"
    all: LatencySummary
    by_event: dict[str, LatencySummary]
    by_listener: dict[str, LatencySummary]
    histogram: Histogram


class TimelineOperation(_Model):
    id: int
    actor: str
    kind: str
    start: float
    end: float
    type: str
    status: int | None


class TimelineMark(_Model):
    listener: str | None
    kind: str
    event: str | None
    t: float


class Timeline(_Model):
    operations: list[TimelineOperation]
    observations: list[TimelineMark]
    truncated: bool


class Report(_Model):
    verdict: str
    reasons: list[str] = Field(default_factory=list)
    scenario: str | None
    meta: dict[str, Any]
    duration_s: float
    counts: dict[str, int]
    findings_by_name: dict[str, int]
    checks: list[CheckRow]
    findings: list[FindingRecord]
    groups: list[FindingGroup]
    latency: Latency
    timeline: Timeline

    @property
    def has_warnings(self) -> bool:
        return any(f.severity == "warning" for f in self.findings)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def redact(value: Any, secrets: list[str]) -> Any:
    """Every string in the report, keys included, with each secret replaced, whatever characters
    the secret holds (quotes, backslashes, non-ASCII): the replacement works on the values, not on
    their JSON text, so escaping cannot hide a secret and a secret cannot break the JSON. Values
    that are not JSON types become their text first, as report.json writes them."""
    wanted = sorted({s for s in secrets if s}, key=len, reverse=True)

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            for secret in wanted:
                item = item.replace(secret, REDACTED)
            return item
        if isinstance(item, dict):
            return {clean(str(k)): clean(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [clean(v) for v in item]
        if item is None or isinstance(item, (bool, int, float)):
            return item
        return clean(str(item))

    return clean(value)


def _timeline(history: HistoryData) -> dict[str, Any]:
    """Operations and deliveries on one time axis (seconds from the first record), capped."""
    t0 = min([op.invoke for op in history.operations] + [o.time for o in history.observations], default=0.0)
    ops = [
        {
            "id": op.id,
            "actor": op.actor,
            "kind": op.kind,
            "start": round(op.invoke - t0, 4),
            "end": round((op.complete or op.invoke) - t0, 4),
            "type": op.type,
            "status": op.status,
        }
        for op in history.operations[:TIMELINE_LIMIT]
    ]
    marks = [
        {"listener": o.listener, "kind": o.kind, "event": o.event, "t": round(o.time - t0, 4)}
        for o in history.observations
        if o.kind in ("receipt", "connect", "disconnect")
    ][:TIMELINE_LIMIT]
    return {"operations": ops, "observations": marks, "truncated": len(history.operations) > TIMELINE_LIMIT}


def _histogram(samples: list[float], bins: int = 20) -> dict[str, Any]:
    if not samples:
        return {"edges_ms": [], "counts": []}
    top = max(samples) or 1.0
    width = top / bins
    counts = [0] * bins
    for value in samples:
        counts[min(bins - 1, int(value / width))] += 1
    return {"edges_ms": [round(i * width * 1000, 2) for i in range(bins + 1)], "counts": counts}


def _checks(result: CheckResult) -> list[dict[str, Any]]:
    by_name = Counter(f.name for f in result.findings)
    return [
        {
            "name": name,
            "meaning": meaning,
            "count": by_name.get(name, 0),
            "judged": result.judged.get(name, 0),
            "seconds": result.seconds.get(name, 0.0),
            "severity": "warning"
            if name in by_name and all(f.severity == "warning" for f in result.findings if f.name == name)
            else "error",
        }
        for name, meaning in NAMES.items()
    ]


def build_report(history: HistoryData, result: CheckResult, secrets: list[str], duration_s: float) -> Report:
    by_name = Counter(f.name for f in result.findings)
    limit_s = (history.meta.get("latency_limit_ms") or DEFAULT_LATENCY_LIMIT_MS) / 1000
    raw = {
        "verdict": result.verdict,
        "reasons": result.reasons,
        "scenario": history.meta.get("scenario"),
        "meta": history.meta,
        "duration_s": round(duration_s, 3),
        "counts": result.counts,
        "findings_by_name": {name: by_name.get(name, 0) for name in NAMES},
        "checks": _checks(result),
        "findings": [
            {**f.to_dict(), "explained_by": why}
            for f, why in zip(result.findings, explanations(history, result.findings), strict=True)
        ],
        "groups": [asdict(g) for g in group_findings(result.findings, limit_s)],
        "latency": {**result.latency, "histogram": _histogram(result.latency_samples)},
        "timeline": _timeline(history),
    }
    return Report.model_validate(redact(raw, secrets))
