"""3. End to end: a busy-stocktake run with the embedded stack in its own process; checked
deliveries per second and the harness's own share of the CPU both processes used."""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import psutil

from harness.run.runner import Runner
from harness.run.target import Target
from harness.sim.served import ServedStack
from harness.spec.contract import Contract
from harness.spec.scenario import load_scenario

LISTENERS = 100


def run() -> dict[str, Any]:
    """busy-stocktake with the think times taken out and 100 asyncio viewers: the harness flat out."""
    spec = load_scenario("busy-stocktake")
    spec = spec.model_copy(
        update={
            "run": spec.run.model_copy(update={"operations": 1500, "duration_s": 40}),
            "counters": spec.counters.model_copy(update={"think_ms": (0, 10), "debounce_ms": 0, "keystrokes": (1, 1)}),
            "listeners": spec.listeners.model_copy(update={"kind": "asyncio", "count": LISTENERS}),
        }
    )
    served = ServedStack()
    try:
        server, harness = psutil.Process(served.process.pid), psutil.Process(os.getpid())
        server_cpu0, harness_cpu0, t0 = sum(server.cpu_times()[:2]), sum(harness.cpu_times()[:2]), time.monotonic()
        outcome = Runner(spec, Target.from_ready_info(served.info, Contract())).run()
        wall = time.monotonic() - t0
        server_cpu = sum(server.cpu_times()[:2]) - server_cpu0
        harness_cpu = sum(harness.cpu_times()[:2]) - harness_cpu0
    finally:
        served.stop()
    counts = outcome.result.counts
    return {
        "listeners": LISTENERS + spec.counters.count,
        "operations": counts["operations"],
        "checked_deliveries": counts["matched"],
        "findings": dict(Counter(f.name for f in outcome.result.errors)),
        "first_findings": [f.message for f in outcome.result.errors[:3]],
        "wall_s": round(wall, 2),
        "checked_deliveries_per_s": round(counts["matched"] / wall),
        "harness_cpu_s": round(harness_cpu, 2),
        "server_cpu_s": round(server_cpu, 2),
        "harness_cpu_share": round(harness_cpu / (harness_cpu + server_cpu), 3),
    }
