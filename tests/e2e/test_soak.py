"""soak-short: a few minutes at about 50 writes/s with 500 viewers in worker processes passes, and
leaves one history behind, with the workers' own files beside it as its parts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from harness.record.history import parts_of
from harness.record.history_file import HISTORY_NAME


@pytest.mark.heavy
@pytest.mark.soak
@pytest.mark.timeout(1200)
def test_soak_short_passes_with_its_viewers_in_worker_processes(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "harness.cli", "run", "soak-short", "--out", str(tmp_path), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1100)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["counts"]["operations"] >= 7500, "the whole budget, before the time bound"
    assert len([n for n in report["listeners"] if n.startswith("viewer-")]) == 500
    parts = parts_of(tmp_path / HISTORY_NAME)
    assert parts == ["listeners-1.history.jsonl.zst", "listeners-2.history.jsonl.zst"]
    written = ["junit.xml", "receipts", "deliveries", "report.html", "report.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([HISTORY_NAME, *parts, *written])
    deliveries = pl.read_parquet(tmp_path / "deliveries" / "*.parquet")
    assert deliveries.height == report["counts"]["matched"] and not deliveries.get_column("late").any()
