"""One typed report of a run, from which every format (console, JSON, JUnit, HTML) is rendered.

Pure: a history, a check result and the secrets in; a `Report` out. Secrets are replaced
in the serialised report before the model is built, so no format can leak a token or the
Pusher secret. `Report.to_json_dict()` is report.json's shape.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..checks import DEFAULT_LATENCY_LIMIT_MS, CheckResult
from ..checks.fault_links import explanations, fault_name
from ..checks.findings import NAMES
from ..checks.latency import Latencies
from ..checks.outcomes import Status
from ..record.history import HistoryData
from ..spec.contract import Contract, described_contract
from .calls import RunFacts
from .groups import FindingGroup, grouping
from .hints import hints
from .timeline import timeline

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 8  # shorter, and replacing it inside text would rewrite ordinary words
HISTOGRAM_BINS, HISTOGRAM_FLOOR_MS = 24, 0.05
FRAME_ERRORS_SHOWN = 10


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class CheckRow(_Model):
    name: str
    meaning: str
    count: int
    severity: str
    judged: int
    status: Status  # the rule's outcome as it returned it (checks/outcomes.py), never worked out here
    seconds: float = 0.0

    @property
    def label(self) -> str:
        """The status in the report's words: a valid rule's warnings say so, and "not judged" is never
        green (a check that held nothing against the contract passed nothing)."""
        if self.status == "valid":
            return "warning" if self.count else "passed"
        if self.status == "invalid":
            return "failed"
        return "inconclusive" if self.severity == "inconclusive" else "not judged"


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
    cause: str | None = None
    group: int = 0  # the index in `Report.groups` of the group it is shown in (its cause's, if explained)


class LatencySummary(_Model):
    count: int
    p50: float
    p90: float
    p95: float
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


class Timeline(_Model):
    """Binned counts over the whole run (report/timeline.py); times in seconds from `t0`."""

    t0: float
    end_s: float
    bins: int
    actors: dict[str, dict[str, list[int]]]
    deliveries: list[int]
    listeners: dict[str, dict[str, list[int]]]
    listeners_left_out: int
    marks: list[dict[str, Any]]


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
    groups: list[FindingGroup]  # errors first, causes before what follows from them
    hints: list[str] = Field(default_factory=list)  # what to do first: the harness's setup, not the backend
    latency: Latency
    timeline: Timeline
    summary: str = ""
    faults_injected: dict[str, int] = Field(default_factory=dict)
    suggested_contract: str | None = None  # written as contract.suggested.toml when the names drifted
    listeners: dict[str, dict[str, Any]] = Field(default_factory=dict)  # name -> kind, channels, receipts
    frame_errors: int = 0  # frames from the Pusher server outside its protocol, all listeners
    frame_errors_shown: list[dict[str, Any]] = Field(default_factory=list)  # the first ones: listener, frame, error

    @property
    def has_warnings(self) -> bool:
        return any(f.severity == "warning" for f in self.findings)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def redact(value: Any, secrets: list[str]) -> Any:
    """Every string value in the report with each secret replaced, whatever characters the secret
    holds (quotes, backslashes, non-ASCII): the replacement works on the values, not on their JSON
    text, so escaping cannot hide a secret and a secret cannot break the JSON. Keys are never
    rewritten: they are the report's own structure (a one-letter secret would turn `verdict` into
    `v[redacted]rdict`). A secret shorter than MIN_SECRET_CHARS would rewrite ordinary words, so it
    replaces only values that are exactly it (`short_secrets` says so in the report). Values that
    are not JSON types become their text first, as report.json writes them."""
    usable = {s for s in secrets if s}
    # as written, and as repr() writes it inside a diff line (`expected '<secret>'`): a secret with a
    # quote, backslash or control character is escaped there, and the plain form would not match
    spelled = {form for s in usable if len(s) >= MIN_SECRET_CHARS for form in (s, repr(s)[1:-1])}
    wanted = sorted(spelled, key=len, reverse=True)
    whole = set(short_secrets(secrets))

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            if item in whole:
                return REDACTED
            for secret in wanted:
                item = item.replace(secret, REDACTED)
            return item
        if isinstance(item, dict):
            return {str(k): clean(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [clean(v) for v in item]
        if item is None or isinstance(item, (bool, int, float)):
            return item
        return clean(str(item))

    return clean(value)


def short_secrets(secrets: list[str]) -> list[str]:
    """The secrets too short to be replaced inside free text (see `redact`)."""
    return sorted({s for s in secrets if 0 < len(s) < MIN_SECRET_CHARS})


SHORT_SECRET_NOTE = (
    f"a secret shorter than {MIN_SECRET_CHARS} characters was given: values equal to it are redacted, "
    "but it could not be redacted inside free text"
)


def _histogram(latencies: Latencies) -> dict[str, Any]:
    """Bins of equal ratio (a log axis): one slow outlier cannot squeeze the rest into one bar."""
    positive = [(max(v * 1000, HISTOGRAM_FLOOR_MS), n) for v, n in latencies.counted()]
    if not positive:
        return {"edges_ms": [], "counts": []}
    low, high = positive[0][0], max(positive[-1][0], positive[0][0] * 1.01)
    ratio = (high / low) ** (1 / HISTOGRAM_BINS)
    edges = [low * ratio**i for i in range(HISTOGRAM_BINS + 1)]
    counts = [0] * HISTOGRAM_BINS
    for value, n in positive:
        counts[min(HISTOGRAM_BINS - 1, int(math.log(value / low, ratio)) if value > low else 0)] += n
    return {"edges_ms": [round(e, 3) for e in edges], "counts": counts}


def describe(history: HistoryData, result: CheckResult, duration_s: float) -> str:
    """The run in words, for the top of the report."""
    meta = history.meta
    actors = sorted({op.actor for op in history.operations})
    listeners = sorted({o.listener for o in history.observations if o.kind == "subscribed" and o.listener})
    faults = ", ".join(meta.get("faults") or []) or "none"
    target = meta.get("target") or "a recorded history"
    return (
        f"{meta.get('scenario') or 'A run'}: {len(actors)} actor(s) made {len(history.operations)} operation(s) "
        f"in {duration_s:.1f} s against {target}; {len(listeners)} listener(s) got {result.counts.get('receipts', 0)} "
        f"event(s), {result.counts.get('matched', 0)} matched to a write; latency limit "
        f"{meta.get('latency_limit_ms', DEFAULT_LATENCY_LIMIT_MS)} ms; faults injected: {faults}."
    )


def _checks(result: CheckResult) -> list[dict[str, Any]]:
    """One row per rule, from its outcome: what it judged, found, and its status."""
    rows = []
    for name, meaning in NAMES.items():
        outcome = result.outcomes[name]
        severity = _severity({f.severity for f in outcome.findings})
        seconds = result.seconds.get(name, 0.0)
        rows.append({"name": name, "meaning": meaning, "count": len(outcome.findings), "judged": outcome.judged,
                     "seconds": seconds, "severity": severity, "status": outcome.status})  # fmt: skip
    return rows


def _severity(found: set[str]) -> str:
    """A check's: the one its findings share (warning, inconclusive), else error."""
    return next(iter(found)) if len(found) == 1 else "error"


def _listeners(history: HistoryData, frames: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every listener with its kind, so a finding's listener can be traced to a browser page or a bot,
    and how many of the `frames` outside the protocol it got."""
    receipts = history.receipts_by_listener()
    bad_frames = Counter(frame["listener"] for frame in frames)
    return {
        o.listener: {**o.data, "receipts": receipts.get(o.listener, 0), "frame_errors": bad_frames.get(o.listener, 0)}
        for o in history.of_kind("listener")
        if o.listener and isinstance(o.data, dict)
    }


def _frame_errors(history: HistoryData) -> list[dict[str, Any]]:
    """Frames the listeners could not read as the protocol's (they listened on): an event lost with one
    is a missing-event, judged by the checks; the frames themselves are shown here, not judged."""
    return [
        {"listener": o.listener, "time": o.time, **o.data}
        for o in history.of_kind("frame-error")
        if isinstance(o.data, dict)
    ]


def build_report(history: HistoryData, result: CheckResult, secrets: list[str], duration_s: float) -> Report:
    by_name = Counter(f.name for f in result.findings)
    frames = _frame_errors(history)
    limit_s = (history.meta.get("latency_limit_ms") or DEFAULT_LATENCY_LIMIT_MS) / 1000
    explained = explanations(history, result.findings)
    facts = RunFacts.of(history)
    grouped = grouping(result.findings, limit_s, facts, explained)
    suggested = (described_contract(history.meta.get("contract")) or Contract()).suggested(
        str(f.actual) for f in result.findings if f.name == "unexpected-event"
    )
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
            {**f.to_dict(), "explained_by": why, "group": group}
            for f, why, group in zip(result.findings, explained, grouped.of, strict=True)
        ],
        "groups": [asdict(g) for g in grouped.groups],
        "hints": hints(result.findings, facts, suggested is not None),
        "latency": {**result.latency, "histogram": _histogram(result.latencies)},
        "timeline": timeline(history, result.findings),
        "summary": describe(history, result, duration_s),
        "suggested_contract": suggested,
        "listeners": _listeners(history, frames),
        "frame_errors": len(frames),
        "frame_errors_shown": frames[:FRAME_ERRORS_SHOWN],
        "faults_injected": dict(
            Counter(
                fault_name(o.data) for o in history.of_kind("injected-fault") if isinstance(o.data, dict)
            ).most_common()
        ),
    }
    if short_secrets(secrets):
        raw["meta"] = {**history.meta, "redaction": SHORT_SECRET_NOTE}
    return Report.model_validate(redact(raw, secrets))
