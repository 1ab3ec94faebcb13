"""The live check's memory over a long run: a synthetic history of 1M receipts (100,000 writes over
100 s of history time, 10 listeners) recorded a second at a time into a history its live check
follows (`LiveCheck`, as a run's CLI progress and Locust's rows use it), updated each second. What
it holds at its fullest (the stream's writes in flight and (listener, text) copies remembered for
duplicates, and the operations the checks over operations hold until settled) against what a
check that keeps everything holds (every write, every receipt), and its heap at the end of each
third of the run (tracemalloc): flat if settled writes are folded."""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from harness.checks.live import LiveCheck
from harness.record.history import History
from harness.record.history_file import HISTORY_NAME
from harness.spec.contract import Contract
from harness.testing import history_with

from .stats import ratio

RECEIPTS, LISTENERS = 1_000_000, 10


def run() -> dict[str, Any]:
    history = history_with(RECEIPTS, listeners=LISTENERS)
    by_second: dict[int, list[Any]] = {}
    for obs in history.observations:
        by_second.setdefault(int(obs.time), []).append(obs)
    ops_by_second: dict[int, list[Any]] = {}
    for op in history.operations:
        ops_by_second.setdefault(int(op.invoke), []).append(op)
    last = max(by_second)
    with tempfile.TemporaryDirectory() as folder:  # a run's history: receipts and operations on disk only
        recorder = History(Path(folder) / HISTORY_NAME, dict(history.meta), receipts=False, operations=False)
        live = LiveCheck(Contract(), history.meta["latency_limit_ms"] / 1000, recorder)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        fullest: dict[str, int] = {}
        heap_mb: list[float] = []
        started = time.perf_counter()
        for second in range(last + 1):
            for op in ops_by_second.get(second, []):
                recorder.add_operation(op)
            for obs in by_second.get(second, []):
                recorder.append(obs)
            live.update(recorder, float(second + 1))
            held = {**live.stream.holding(), "operations": live.in_flight}
            for name, count in held.items():
                fullest[name] = max(count, fullest.get(name, 0))
            if second in (last // 3, 2 * last // 3, last):
                heap_mb.append(round((tracemalloc.get_traced_memory()[0] - base) / 1e6, 1))
        live.update(recorder, None)
        took = time.perf_counter() - started
        tracemalloc.stop()
        recorder.close()
    stream = live.stream
    assert stream.totals.matched == RECEIPTS and not live.errors, "the synthetic history is healthy"
    writes = len(history.operations)
    return {
        "receipts": RECEIPTS,
        "writes": writes,
        "history_s": last,
        "fullest": fullest,
        "writes_held_share": ratio(fullest["writes"], writes),
        "copies_held_share": ratio(fullest["copies"], RECEIPTS),
        "operations_held_share": ratio(fullest["operations"], writes),
        "heap_growth_mb_at_thirds": heap_mb,
        "fed_live_s": round(took, 2),
        "us_per_receipt_traced": round(took / RECEIPTS * 1e6, 1),
    }


def row(result: dict[str, Any]) -> tuple[str, str, str]:
    heap = result["heap_growth_mb_at_thirds"]
    return (
        f"live check fed, {result['receipts']:,} receipts over {result['history_s']} s",
        f"holds at most {result['fullest']['writes']:,} writes in the stream, "
        f"{result['fullest']['operations']:,} operations, {result['fullest']['copies']:,} copies",
        f"{result['writes_held_share']}x of the writes, {result['copies_held_share']}x of the receipts; "
        f"heap {heap[0]} -> {heap[-1]} MB",
    )
