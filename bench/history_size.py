"""Bytes a receipt costs on disk, in the same run from the same synthetic busy history: the
one-object-per-receipt format of the first runs, the compact records, the compact records
compressed on the fly, and Parquet chunks (what a run writes now: `receipt_chunks`)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness.record.history import History, Observation, load
from harness.record.history_file import HISTORY_NAME
from harness.record.records import fields_of
from harness.testing import history_with

RECEIPTS, LISTENERS = 100_000, 40


def _bytes_written(path: Path, receipts: list[Observation], columns: bool = False) -> int:
    """The history's bytes, and its receipts chunks' if it writes them."""
    history = History(path, {"scenario": "bench"}, columns=columns)
    for obs in receipts:
        history.append(obs)
    history.close()
    return path.stat().st_size + _chunk_bytes(path.parent)


def _chunk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("receipts/*.parquet"))


def _old_bytes(receipts: list[Observation]) -> int:
    return sum(len(json.dumps({"rec": "obs", **fields_of(o)}, separators=(",", ":"))) + 1 for o in receipts)


def busy_stocktake() -> dict[str, Any]:
    """The goal's own yardstick: a real `stocksync run busy-stocktake`, its whole history file (operations,
    snapshots and all) per receipt, against the old format's bytes for the same receipts; and its
    receipts alone written again both ways, compact compressed lines and Parquet chunks (a real run's
    times and texts, which pack less well than the synthetic history's)."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "harness.cli", "run", "busy-stocktake", "--report-dir", folder, "--quiet"]
        subprocess.run(command, check=False, timeout=300, capture_output=True)
        (path,) = Path(folder).rglob(HISTORY_NAME)
        receipts = [o for o in load(path).observations if o.kind == "receipt"]
        size = path.stat().st_size + _chunk_bytes(path.parent)
        lines = _bytes_written(Path(folder) / "lines" / HISTORY_NAME, receipts)
        chunked = _bytes_written(Path(folder) / "chunked" / HISTORY_NAME, receipts, columns=True)
    return {
        "receipts_as_lines_bytes_per_receipt": round(lines / len(receipts), 2),
        "receipts_as_parquet_bytes_per_receipt": round(chunked / len(receipts), 2),
        "ratio_lines/parquet": round(lines / chunked, 1),
        "receipts": len(receipts),
        "file_bytes_per_receipt": round(size / len(receipts), 1),
        "old_format_bytes_per_receipt": round(_old_bytes(receipts) / len(receipts), 1),
        "ratio_old/new": round(_old_bytes(receipts) / size, 1),
    }


def run() -> dict[str, Any]:
    synthetic = history_with(RECEIPTS, listeners=LISTENERS)
    receipts = [o for o in synthetic.observations if o.kind == "receipt"]
    with tempfile.TemporaryDirectory() as folder:
        compact = _bytes_written(Path(folder) / "history.jsonl", receipts)
        compressed = _bytes_written(Path(folder) / HISTORY_NAME, receipts)
        chunked = _bytes_written(Path(folder) / "chunked" / HISTORY_NAME, receipts, columns=True)
    old = _old_bytes(receipts)
    return {
        "receipts": len(receipts),
        "listeners": LISTENERS,
        "old_bytes_per_receipt": round(old / len(receipts), 1),
        "compact_bytes_per_receipt": round(compact / len(receipts), 1),
        "compressed_bytes_per_receipt": round(compressed / len(receipts), 2),
        "parquet_bytes_per_receipt": round(chunked / len(receipts), 2),
        "ratio_compressed/parquet": round(compressed / chunked, 1),
        "ratio_old/compressed": round(old / compressed, 1),
        "busy_stocktake": busy_stocktake(),
    }
