"""Receipts as Parquet chunks against receipts as compact JSONL lines (issue 34): for the same 1M
receipts of a synthetic busy history, the bytes on disk and the seconds to record them, each way;
then reading them back: `load_receipts` (columns, no object per receipt) against the bare msgspec
parse of the JSONL file's lines (`bench/checker.py`'s yardstick), and `load` handing every receipt
to a callback (what the streamed check reads) from each form. Every timing runs with the cyclic
collector paused, as the check does."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import msgspec

from harness.record.history import History, Observation, load
from harness.record.history_file import HISTORY_NAME, read_text
from harness.record.receipt_table import load_receipts
from harness.testing import history_with

from .checker import _parse_all, _paused
from .stats import ratio

RECEIPTS, LISTENERS = 1_000_000, 40


def _record(path: Path, receipts: list[Observation], columns: bool) -> None:
    history = History(path, {"scenario": "bench", "time_origin": 0.0}, retain=False, columns=columns)
    for obs in receipts:
        history.append(obs)
    history.close()


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _handed(path: Path) -> int:
    count = 0

    def take(_: Observation) -> None:
        nonlocal count
        count += 1

    load(path, take)
    return count


def run() -> dict[str, Any]:
    synthetic = history_with(RECEIPTS, listeners=LISTENERS)
    receipts = [o for o in synthetic.observations if o.kind == "receipt"]
    with tempfile.TemporaryDirectory() as scratch:
        lines_dir, columns_dir = Path(scratch) / "lines", Path(scratch) / "columns"
        lines_dir.mkdir()
        columns_dir.mkdir()
        lines_path, columns_path = lines_dir / HISTORY_NAME, columns_dir / HISTORY_NAME
        write_lines_s = _paused(_record, lines_path, receipts, False)
        write_columns_s = _paused(_record, columns_path, receipts, True)
        lines_bytes, columns_bytes = _bytes(lines_dir), _bytes(columns_dir)
        text = read_text(lines_path).splitlines()
        bare_s = _paused(_parse_all, msgspec.json.Decoder().decode, text)
        table_s = _paused(load_receipts, columns_path)
        table_from_lines_s = _paused(load_receipts, lines_path)
        handed_lines_s = _paused(_handed, lines_path)
        handed_columns_s = _paused(_handed, columns_path)
        rows = load_receipts(columns_path).height
    return {
        "receipts": len(receipts),
        "rows_read": rows,
        "listeners": LISTENERS,
        "jsonl_bytes_per_receipt": round(lines_bytes / len(receipts), 2),
        "parquet_bytes_per_receipt": round(columns_bytes / len(receipts), 2),
        "ratio_size_jsonl/parquet": ratio(lines_bytes, columns_bytes),
        "write_jsonl_s": round(write_lines_s, 2),
        "write_parquet_s": round(write_columns_s, 2),
        "ratio_write_parquet/jsonl": ratio(write_columns_s, write_lines_s),
        "bare_parse_msgspec_s": round(bare_s, 3),
        "load_receipts_s": round(table_s, 3),
        "ratio_load_receipts/bare": ratio(table_s, bare_s),
        "load_receipts_of_jsonl_s": round(table_from_lines_s, 3),
        "load_handing_each_jsonl_s": round(handed_lines_s, 2),
        "load_handing_each_parquet_s": round(handed_columns_s, 2),
        "ratio_handing_parquet/jsonl": ratio(handed_columns_s, handed_lines_s),
    }


def row(r: dict[str, Any]) -> tuple[str, str, str]:
    return (
        f"{r['receipts']:,} receipts as Parquet chunks",
        f"{r['parquet_bytes_per_receipt']} B/receipt, written in {r['write_parquet_s']} s, "
        f"load_receipts {r['load_receipts_s']} s",
        f"{r['ratio_size_jsonl/parquet']} x smaller than JSONL; write {r['ratio_write_parquet/jsonl']} x; "
        f"load_receipts {r['ratio_load_receipts/bare']} x a bare msgspec parse of the JSONL",
    )
