"""Percentiles and rates, shared by the benchmarks."""

from __future__ import annotations

import math

from harness.checks.latency import percentile as checked_percentile


def percentile(values: list[float], q: float) -> float:
    """The harness's own nearest-rank percentile (harness.checks.latency), over unsorted values;
    NaN when there is nothing to rank, so an empty trial never reads as 0 ms."""
    return checked_percentile(sorted(values), q) if values else math.nan


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def ratio(ours: float, baseline: float) -> float:
    return round(ours / baseline, 3) if baseline else math.nan
