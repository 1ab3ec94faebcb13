"""Delivery latency percentiles per event and per listener (from matched deliveries)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any


def percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile: the smallest sample with at least q % of the samples at or
    below it (no interpolation, so it is always a latency that was really measured). The one
    method the reports, Locust and the benchmarks all use; 0.0 for no samples."""
    if not sorted_values:
        return 0.0
    rank = math.ceil(q / 100 * len(sorted_values))
    return sorted_values[min(len(sorted_values), max(1, rank)) - 1]


def summarise(values: Iterable[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        **{f"p{q}": round(percentile(ordered, q) * 1000, 2) for q in (50, 90, 95, 99)},
        "max": round(ordered[-1] * 1000, 2) if ordered else 0.0,
    }


def latency_stats(by_event: Mapping[str, Iterable[float]], by_listener: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "unit": "ms",
        "all": summarise([v for values in by_event.values() for v in values]),
        "by_event": {e: summarise(v) for e, v in sorted(by_event.items())},
        "by_listener": dict(sorted(by_listener.items())),
    }
