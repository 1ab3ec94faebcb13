"""Soak: `stocksync run soak-short` (five minutes), its memory sampled every few seconds over the
whole process tree (the run, its listener workers). The figure is the growth of the resident
set from the end of warm-up to the end of play, before the final check reads the history."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

WARM_UP_S, SAMPLE_S, PLAY_S = 60.0, 5.0, 240.0


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "harness.cli", "run", "soak-short", "--out", folder, "--quiet"]
        started = time.monotonic()
        child = subprocess.Popen(command)
        samples: list[tuple[float, int]] = []
        process = psutil.Process(child.pid)
        while child.poll() is None and time.monotonic() - started < PLAY_S + 600:
            samples.append((time.monotonic() - started, _tree_rss(process)))
            time.sleep(SAMPLE_S)
        code = child.wait()
        report_file = Path(folder) / "report.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else {}
    played = [(t, rss) for t, rss in samples if WARM_UP_S <= t <= PLAY_S - SAMPLE_S]
    first, last = played[0][1], played[-1][1]
    return {
        "exit_code": code,
        "verdict": report.get("verdict"),
        "receipts": report.get("counts", {}).get("receipts"),
        "operations": report.get("counts", {}).get("operations"),
        "rss_after_warm_up_mb": round(first / 1e6),
        "rss_end_of_play_mb": round(last / 1e6),
        "rss_growth_pct": round((last - first) / first * 100, 1),
        "peak_rss_mb": round(max(rss for _, rss in samples) / 1e6),
        "wall_s": round(time.monotonic() - started),
    }


def row(result: dict[str, Any]) -> tuple[str, str, str]:
    return (
        f"soak-short (5 min, 500 viewers): RSS growth after warm-up ({result['receipts'] or 0:,} receipts)",
        f"{result['rss_growth_pct']} % ({result['rss_after_warm_up_mb']} -> {result['rss_end_of_play_mb']} MB)",
        f"goal < 10 %; verdict {result['verdict']}, peak {result['peak_rss_mb']} MB with the final check",
    )
