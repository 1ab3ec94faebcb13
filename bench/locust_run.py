"""A 60 s headless Locust run with 200 asyncio listeners: what its history costs on disk per
receipt, against the one-object-per-receipt format in the same run (the same history re-written
the old way), and the memory of the Locust process and its children (the embedded stack): its
peak (the final check included), and its growth during play, from 15 s in to 55 s in (the live
check folds settled writes and the run keeps no receipts in memory, so it should stay flat)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from harness.record.history import load
from harness.record.history_file import HISTORY_NAME
from harness.record.records import fields_of

ROOT = Path(__file__).resolve().parents[1]
SECONDS, USERS, LISTENERS = 60, 10, 200


PLAY_FROM_S, PLAY_TO_S = 15.0, 55.0


def _watch_rss(process: psutil.Process, stop: threading.Event, samples: list[tuple[float, int]]) -> None:
    started = time.monotonic()
    while not stop.wait(0.5):
        try:
            tree = [process, *process.children(recursive=True)]
            samples.append((time.monotonic() - started, sum(p.memory_info().rss for p in tree if p.is_running())))
        except psutil.Error:
            pass


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        reports = Path(folder) / "r"
        command = [sys.executable, "-m", "locust", "-f", str(ROOT / "locustfile.py"), "--headless", "-u", str(USERS),
                   "-r", str(USERS), "-t", f"{SECONDS}s", "--sync-listeners", str(LISTENERS),
                   "--sync-listener-kind", "asyncio", "--only-summary", "--sync-report-dir", str(reports)]  # fmt: skip
        started = time.monotonic()
        locust = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=folder)
        stop, samples = threading.Event(), []
        watcher = threading.Thread(target=_watch_rss, args=(psutil.Process(locust.pid), stop, samples))
        watcher.start()
        _, err = locust.communicate(timeout=SECONDS + 240)
        stop.set()
        watcher.join()
        (history_file,) = reports.glob(f"*/{HISTORY_NAME}")
        history = load(history_file)
        receipts = [o for o in history.observations if o.kind == "receipt"]
        old_bytes = sum(len(json.dumps({"rec": "obs", **fields_of(o)}, separators=(",", ":"))) + 1 for o in receipts)
        new_bytes = history_file.stat().st_size
        early, late = _at(samples, PLAY_FROM_S)[1], _at(samples, PLAY_TO_S)[1]
        return {
            "exit_code": locust.returncode,
            "wall_s": round(time.monotonic() - started, 1),
            "listeners": LISTENERS,
            "receipts": len(receipts),
            "history_bytes_per_receipt": round(new_bytes / max(len(receipts), 1), 1),
            "old_format_receipt_bytes_per_receipt": round(old_bytes / max(len(receipts), 1), 1),
            "ratio_old/new": round(old_bytes / max(new_bytes, 1), 2),
            "peak_rss_mb": round(max(rss for _, rss in samples) / 1e6, 1),
            "rss_play_mb": [round(early / 1e6), round(late / 1e6)],
            "rss_growth_during_play_pct": round((late / early - 1) * 100, 1),
            "stderr_tail": err[-300:] if locust.returncode else "",
        }


def _at(samples: list[tuple[float, int]], t: float) -> tuple[float, int]:
    """The sample nearest `t` seconds after start (the test starts a few seconds after Locust)."""
    return min(samples, key=lambda sample: abs(sample[0] - t))
