"""One plain-data report of a run, from which every format is rendered.

Pure: a history, a check result and the secrets in; a JSON-ready dict out, with the
secrets replaced wherever they appear, so no format can leak a token or the Pusher secret.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..checks import CheckResult
from ..checks.findings import NAMES
from ..history import HistoryData

REDACTED = "[redacted]"
TIMELINE_LIMIT = 4000


def verdict(result: CheckResult) -> str:
    return "FAIL" if result.errors else "PASS"


def redact(value: Any, secrets: list[str]) -> Any:
    text = json.dumps(value, default=str)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return json.loads(text)


def _timeline(history: HistoryData) -> dict[str, Any]:
    """Operations and deliveries on one time axis (seconds from the first record), capped."""
    t0 = min([op.invoke for op in history.operations] + [o.time for o in history.observations], default=0.0)
    ops = [{"id": op.id, "actor": op.actor, "kind": op.kind, "start": round(op.invoke - t0, 4),
            "end": round((op.complete or op.invoke) - t0, 4), "type": op.type, "status": op.status}
           for op in history.operations[:TIMELINE_LIMIT]]
    marks = [{"listener": o.listener, "kind": o.kind, "event": o.event, "t": round(o.time - t0, 4)}
             for o in history.observations if o.kind in ("receipt", "connect", "disconnect")][:TIMELINE_LIMIT]
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


def build_report(history: HistoryData, result: CheckResult, secrets: list[str], duration_s: float) -> dict[str, Any]:
    by_name = Counter(f.name for f in result.findings)
    report = {
        "verdict": verdict(result),
        "scenario": history.meta.get("scenario"),
        "meta": history.meta,
        "duration_s": round(duration_s, 3),
        "counts": result.counts,
        "findings_by_name": {name: by_name.get(name, 0) for name in NAMES},
        "checks": [{"name": name, "meaning": meaning, "count": by_name.get(name, 0),
                    "severity": "warning" if name in by_name and all(
                        f.severity == "warning" for f in result.findings if f.name == name) else "error"}
                   for name, meaning in NAMES.items()],
        "findings": [f.to_dict() for f in result.findings],
        "latency": {**result.latency, "histogram": _histogram(result.latency_samples)},
        "timeline": _timeline(history),
    }
    return redact(report, secrets)
