"""Delivery latency percentiles per event and per listener (from matched deliveries).

An hour of 500 listeners is tens of millions of deliveries: their latencies are counted in
buckets, each keeping the largest latency that fell in it: BUCKET_S (10 µs, the report's
precision) wide up to LINEAR_UP_TO_S, then each STEP (1 %) wider than the last. A percentile is
taken by nearest rank over the buckets and answered with that largest latency: always a latency
that was really measured, within 10 µs (below 2 ms) or 1 % of the exact nearest-rank one, in a
few hundred buckets per listener however long the run.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

BUCKET_S = 1e-5
LINEAR_UP_TO_S = 0.002
STEP = 1.01
_LINEAR = int(LINEAR_UP_TO_S / BUCKET_S)
_LOG_STEP = math.log(STEP)
QUANTILES = (50, 90, 95, 99)


def bucket_of(latency: float) -> int:
    return buckets_of([latency])[0]


def buckets_of(latencies: list[float]) -> list[int]:
    """Each latency's bucket, in one pass: the stream buckets a batch of deliveries at a time."""
    log = math.log
    return [
        int(latency / BUCKET_S)
        if latency < LINEAR_UP_TO_S
        else _LINEAR + int(log(latency / LINEAR_UP_TO_S) / _LOG_STEP)
        for latency in latencies
    ]


def sorted_buckets(ordered: list[float]) -> list[int]:
    """`buckets_of` latencies in ascending order, worked out in C (`map` over `operator` and `math`, the
    same operations on the same floats): those below LINEAR_UP_TO_S come first, so the two kinds are
    split at one place, and no bytecode runs per latency."""
    cut = bisect.bisect_left(ordered, LINEAR_UP_TO_S)
    linear = map(int, map(operator.truediv, ordered[:cut], itertools.repeat(BUCKET_S)))
    scaled = map(math.log, map(operator.truediv, ordered[cut:], itertools.repeat(LINEAR_UP_TO_S)))
    stepped = map(int, map(operator.truediv, scaled, itertools.repeat(_LOG_STEP)))
    return [*linear, *map(operator.add, itertools.repeat(_LINEAR), stepped)]


def percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile: the smallest sample with at least q % of the samples at or
    below it (no interpolation, so it is always a latency that was really measured). The one
    method the reports, Locust and the benchmarks all use; 0.0 for no samples."""
    if not sorted_values:
        return 0.0
    return sorted_values[_rank(len(sorted_values), q) - 1]


def _rank(count: int, q: float) -> int:
    return min(count, max(1, math.ceil(q / 100 * count)))


@dataclass
class Latencies:
    """Latencies (s) counted by bucket: bucket -> [count, largest latency in it]."""

    buckets: dict[int, list[float]] = field(default_factory=dict)
    count: int = 0

    def add(self, latency: float) -> None:
        self.add_all([latency])

    def add_all(self, latencies: list[float]) -> None:
        """A batch of latencies (the stream counts its deliveries a batch at a time): sorted, a
        bucket's largest is the last of its own, so counting them by bucket and keeping each one's
        last are done in C (`Counter`, `dict`), and Python takes a step per bucket, not per latency."""
        ordered = sorted(latencies)
        keys = sorted_buckets(ordered)
        largest = dict(zip(keys, ordered, strict=True))
        self.count += len(ordered)
        buckets = self.buckets
        for key, count in Counter(keys).items():
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [count, largest[key]]
            else:
                bucket[0] += count
                if largest[key] > bucket[1]:
                    bucket[1] = largest[key]

    def merge(self, other: Latencies) -> None:
        for key, (count, largest) in other.buckets.items():
            bucket = self.buckets.setdefault(key, [0, largest])
            bucket[0] += count
            bucket[1] = max(bucket[1], largest)
        self.count += other.count

    def counted(self) -> list[tuple[float, int]]:
        """(latency, count) per bucket, fastest first; the latency is the bucket's largest."""
        return [(largest, int(count)) for _, (count, largest) in sorted(self.buckets.items())]

    def percentiles(self, qs: Iterable[float]) -> list[float]:
        wanted = sorted((_rank(self.count, q), n) for n, q in enumerate(qs))
        found = [0.0] * len(wanted)
        seen, index = 0, 0
        for latency, count in self.counted():
            seen += count
            while index < len(wanted) and wanted[index][0] <= seen:
                found[wanted[index][1]] = latency
                index += 1
        return found

    def summary(self) -> dict[str, Any]:
        values = self.percentiles(QUANTILES) if self.count else [0.0] * len(QUANTILES)
        largest = max((b[1] for b in self.buckets.values()), default=0.0)
        return {
            "count": self.count,
            **{f"p{q}": round(v * 1000, 2) for q, v in zip(QUANTILES, values, strict=True)},
            "max": round(largest * 1000, 2),
        }


def merged(parts: Iterable[Latencies]) -> Latencies:
    out = Latencies()
    for part in parts:
        out.merge(part)
    return out


def latency_stats(by_event: Mapping[str, Latencies], by_listener: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "unit": "ms",
        "all": merged(by_event.values()).summary(),
        "by_event": {e: v.summary() for e, v in sorted(by_event.items())},
        "by_listener": dict(sorted(by_listener.items())),
    }
