"""`python -m bench columnar`: which columnar engine, polars or DuckDB, for the checker's per-receipt
work (issue 34), by measurement, with a prototype of the core delivery rule on each.

For 10k, 100k and 1M receipts, in one run: a synthetic history with delivery faults
(`faults.with_faults`) is written as a run writes it (JSONL, zstd); its bare msgspec parse is
timed with the collector paused (`bench.checker`'s own function, best of REPEATS); it is converted
to columns (`convert.py`: Parquet and Arrow IPC, zstd), timed with the files' sizes; each engine,
in a fresh process, reads the columns back and runs the rule (`rule_polars`, `rule_duckdb`),
best of REPEATS, with its CPU time and peak memory; today's checker (`check_file`) judges the same
file, and the counts must agree, or the bench fails. The ratio the issue's goal is about:
`ratio_read+check/bare`, (read + rule) / bare parse, per engine.

The rule: each successful write owes each listener subscribed to its channel by its invoke one
copy (`deliver` if subscribed through its window, `gap` if the connection ended inside it,
`echo` on the writer's own connection, owed nothing). For each (listener, channel, event, what
the copy is of: line and counted values), the k-th owed copy (by invoke) pairs with the k-th
received (by arrival): a pair whose copy came between the invoke and the window's end plus
GRACE_S is matched, and late if it came over the limit after the invoke; a received copy past the
owed ones (or before its owed write was invoked), beyond the first, is a duplicate; an owed
`deliver` copy left unmatched is missing; a matched line copy is out of order if its write
completed before a write the listener had already seen on that line was invoked.
"""

from __future__ import annotations

import gc
import multiprocessing
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from harness.check_file import check_file
from harness.record.history_file import HISTORY_NAME, read_text
from harness.spec.contract import Contract
from harness.testing import history_with, write_history

from ..checker import PARSERS, _parse_all, _paused
from ..stats import ratio
from .child import ENGINES, measure
from .convert import convert
from .faults import with_faults

SIZES = (10_000, 100_000, 1_000_000)
REPEATS = 5
COMPARED = ("missing-event", "duplicate-event", "late-event", "out-of-order")


def today(path: Path) -> tuple[float, dict[str, int]]:
    """Today's checker on the file, as `stocksync check` runs it: seconds and the counts compared."""
    gc.collect()
    started = time.perf_counter()
    _, result = check_file(path, Contract())
    took = time.perf_counter() - started
    found = Counter(f.name for f in result.findings if f.severity == "error")  # a swap across lines warns
    counts = {"receipts": result.counts["receipts"], "matched": result.counts["matched"]}
    counts |= {name: found[name] for name in COMPARED}
    counts |= {f"judged {name}": result.judged[name] for name in COMPARED}
    return took, counts


def in_fresh_process(engine: str, folder: Path) -> dict[str, Any]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, engine, str(folder), REPEATS).result()


def one_size(size: int, folder: Path) -> dict[str, Any]:
    path = folder / HISTORY_NAME
    write_history(with_faults(history_with(size)), path)
    lines = read_text(path).splitlines()
    bare = min(_paused(_parse_all, PARSERS["msgspec"], lines) for _ in range(REPEATS))
    del lines
    gc.collect()
    started = time.perf_counter()
    sizes = convert(path, folder / "columns", Contract())
    converted = time.perf_counter() - started
    out: dict[str, Any] = {
        "bare_parse_msgspec_s": round(bare, 3),
        "convert_s": round(converted, 3),
        "ratio_convert/bare": ratio(converted, bare),
        "history_bytes": path.stat().st_size,
        **sizes,
    }
    for engine in ENGINES:
        measured = out[engine] = in_fresh_process(engine, folder / "columns")
        measured["ratio_read+check/bare"] = ratio(measured["read_s"] + measured["rule_s"], bare)
        measured["ratio_cpu/bare"] = ratio(measured["cpu_s_per_run"], bare)
    took, counts = today(path)
    out |= {"today_check_file_s": round(took, 2), "ratio_today/bare": ratio(took, bare), "today_counts": counts}
    for engine in ENGINES:
        if out[engine]["counts"] != counts:
            raise AssertionError(f"{engine} counts {out[engine]['counts']} but today's checker {counts}")
    return out


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for size in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            results[f"{size:,}"] = one_size(size, Path(folder))
    return results


def row(results: dict[str, Any]) -> tuple[str, str, str]:
    """The headline: the largest size's read + rule against its bare parse, per engine."""
    size, c = list(results.items())[-1]
    figures = "; ".join(f"{e} {c[e]['read_s'] + c[e]['rule_s']:.2f} s" for e in ENGINES)
    ratios = ", ".join(f"{e} {c[e]['ratio_read+check/bare']} x" for e in ENGINES)
    return (
        f"columnar read + delivery rule, {size} receipts",
        figures,
        f"{ratios} a bare msgspec parse ({c['bare_parse_msgspec_s']} s); today's check {c['ratio_today/bare']} x",
    )
