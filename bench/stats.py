"""Percentiles and rates, shared by the benchmarks."""

from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def ratio(ours: float, baseline: float) -> float:
    return round(ours / baseline, 3) if baseline else math.nan
