"""The checker's memory over a long run: a synthetic history of 1M receipts (100,000 writes over
100 s of history time, 10 listeners) fed to the stream check a second at a time, as a live run
feeds it. What it holds at its fullest (writes in flight, (listener, text) copies remembered for
duplicates) against what a check that keeps everything holds (every write, every receipt), and
its heap at the end of each third of the run (tracemalloc): flat if settled writes are folded."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

from harness.checks.stream import ListenerStream
from harness.contract import Contract
from harness.testing import history_with

from .stats import ratio

RECEIPTS, LISTENERS = 1_000_000, 10


def run() -> dict[str, Any]:
    history = history_with(RECEIPTS, listeners=LISTENERS)
    by_second: dict[int, list[Any]] = {}
    for obs in history.observations:
        by_second.setdefault(int(obs.time), []).append(obs)
    last = max(by_second)
    stream = ListenerStream(Contract(), history.meta["latency_limit_ms"] / 1000, history.meta)
    stream.feed(history.operations, [])
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fullest: dict[str, int] = {}
    heap_mb: list[float] = []
    started = time.perf_counter()
    for second in range(last + 1):
        stream.feed([], by_second.get(second, []))
        stream.advance(float(second + 1))
        for name, held in stream.holding().items():
            fullest[name] = max(held, fullest.get(name, 0))
        if second in (last // 3, 2 * last // 3, last):
            heap_mb.append(round((tracemalloc.get_traced_memory()[0] - base) / 1e6, 1))
    stream.finish()
    took = time.perf_counter() - started
    tracemalloc.stop()
    assert stream.totals.matched == RECEIPTS and not stream.totals.findings, "the synthetic history is healthy"
    writes = len(history.operations)
    return {
        "receipts": RECEIPTS,
        "writes": writes,
        "history_s": last,
        "fullest": fullest,
        "writes_held_share": ratio(fullest["writes"], writes),
        "copies_held_share": ratio(fullest["copies"], RECEIPTS),
        "heap_growth_mb_at_thirds": heap_mb,
        "fed_live_s": round(took, 2),
        "us_per_receipt_traced": round(took / RECEIPTS * 1e6, 1),
    }


def row(result: dict[str, Any]) -> tuple[str, str, str]:
    heap = result["heap_growth_mb_at_thirds"]
    return (
        f"stream check fed live, {result['receipts']:,} receipts over {result['history_s']} s",
        f"holds at most {result['fullest']['writes']:,} writes, {result['fullest']['copies']:,} copies",
        f"{result['writes_held_share']}x of the writes, {result['copies_held_share']}x of the receipts; "
        f"heap {heap[0]} -> {heap[-1]} MB",
    )
