"""Delivery latency percentiles per event and per listener (from matched deliveries)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def summarise(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {"count": len(ordered), **{f"p{q}": round(percentile(ordered, q) * 1000, 2) for q in (50, 90, 99)},
            "max": round(ordered[-1] * 1000, 2) if ordered else 0.0}


def latency_stats(samples: list[tuple[str, str, float]]) -> dict[str, Any]:
    by_event: dict[str, list[float]] = defaultdict(list)
    by_listener: dict[str, list[float]] = defaultdict(list)
    for event, listener, latency in samples:
        by_event[event].append(latency)
        by_listener[listener].append(latency)
    return {"unit": "ms", "all": summarise([s[2] for s in samples]),
            "by_event": {e: summarise(v) for e, v in sorted(by_event.items())},
            "by_listener": {name: summarise(v) for name, v in sorted(by_listener.items())}}
