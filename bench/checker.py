"""4. Checker: time to check histories of 10k, 100k and 1M receipts, against a bare parse of the
same history file with msgspec, the parser the project adopted (fastest measured, beside orjson
and the standard library, whose times are given too), and the growth from size to size. Both
`check` alone, reading then checking, and `stocksync check`'s streamed check of the file (read once,
on every core: `checks.streamed`) are measured."""

from __future__ import annotations

import gc
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec
import orjson

from harness.check_file import check_file
from harness.checks import check
from harness.contract import Contract
from harness.history import load
from harness.history_file import HISTORY_NAME, read_text
from harness.testing import history_with, write_history

from .stats import ratio

SIZES = (10_000, 100_000, 1_000_000)
PARSERS = {"msgspec": msgspec.json.Decoder().decode, "orjson": orjson.loads, "json": json.loads}


def _parse_all(parse: Any, lines: list[str]) -> list[Any]:
    return [parse(line) for line in lines]


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    previous = None
    for size in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / HISTORY_NAME
            write_history(history_with(size), path)
            lines = read_text(path).splitlines()
            bare = {name: _timed(_parse_all, parse, lines)[0] for name, parse in PARSERS.items()}
            read, history = _timed(load, path)
            streamed, (_, from_file) = _timed(check_file, path, Contract())
        took, result = _timed(check, history, Contract())
        assert from_file.counts == result.counts, "the streamed check judges as the check in memory"
        assert result.counts["matched"] == size and not result.findings, "the synthetic history is healthy"
        results[f"{size:,}"] = {
            "check_s": round(took, 2),
            "read_s": round(read, 2),
            **{f"bare_parse_{name}_s": round(t, 2) for name, t in bare.items()},
            "ratio_check/bare": ratio(took, bare["msgspec"]),
            "ratio_read+check/bare": ratio(read + took, bare["msgspec"]),
            "streamed_check_file_s": round(streamed, 2),
            "ratio_streamed/bare": ratio(streamed, bare["msgspec"]),
            "us_per_receipt": round(took / size * 1e6, 1),
            "growth_vs_previous_size": ratio(took, previous) if previous else None,
        }
        previous = took
        del history, lines
    return results
