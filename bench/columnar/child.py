"""One engine's read and rule, in a fresh process of its own (spawned, not forked), so its peak
memory is its own and not the parent's synthetic history's."""

from __future__ import annotations

import importlib
import resource
import time
from pathlib import Path
from typing import Any

from .layout import meta_of

ENGINES = {"polars": "bench.columnar.rule_polars", "duckdb": "bench.columnar.rule_duckdb"}


def _status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process. Not `ru_maxrss`: Linux keeps it across the
    exec that spawns this process, so it would start at the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(engine: str, folder: str, repeats: int) -> dict[str, Any]:
    """The best of `repeats` reads and rules (the machine is shared, and the least time is the one
    least disturbed), the CPU both took on average (the engines use every core; the bare parse
    uses one), and the process's peak RSS against its RSS once the engine was imported."""
    module = importlib.import_module(ENGINES[engine])
    path = Path(folder)
    limit, quiesced = meta_of(path)
    before = _status_mb("VmRSS")
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    reads, rules = [], []
    counts: dict[str, int] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        tables = module.read(path)
        t1 = time.perf_counter()
        counts = module.rule(tables, limit, quiesced)
        t2 = time.perf_counter()
        reads.append(t1 - t0)
        rules.append(t2 - t1)
        del tables
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime) / repeats
    out: dict[str, Any] = {
        "read_s": round(min(reads), 3),
        "rule_s": round(min(rules), 3),
        "read_runs_s": [round(t, 3) for t in reads],
        "rule_runs_s": [round(t, 3) for t in rules],
        "cpu_s_per_run": round(cpu, 3),
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(_status_mb("VmHWM"), 1),
        "counts": counts,
    }
    if engine == "polars":
        t0 = time.perf_counter()
        module.read_ipc(path)
        out["read_ipc_s"] = round(time.perf_counter() - t0, 3)
    return out
