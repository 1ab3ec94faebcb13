"""4. Checker: time to check histories of 10k, 100k and 1M receipts, against a bare JSON parse
of the same receipts (the least any checker must do), and the growth from size to size."""

from __future__ import annotations

import gc
import json
import time
from typing import Any

from harness.checks import check
from harness.contract import Contract
from harness.testing import history_with

from .stats import ratio

SIZES = (10_000, 100_000, 1_000_000)


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    previous = None
    for size in SIZES:
        history = history_with(size)
        raws = [o.data for o in history.observations if o.kind == "receipt"]
        gc.collect()
        t0 = time.perf_counter()
        for raw in raws:
            json.loads(raw)
        bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = check(history, Contract())
        took = time.perf_counter() - t0
        assert result.counts["matched"] == size and not result.findings, "the synthetic history is healthy"
        results[f"{size:,}"] = {
            "check_s": round(took, 2),
            "bare_parse_s": round(bare, 2),
            "ratio_check/bare": ratio(took, bare),
            "us_per_receipt": round(took / size * 1e6, 1),
            "growth_vs_previous_size": ratio(took, previous) if previous else None,
        }
        previous = took
        del history, raws
    return results
