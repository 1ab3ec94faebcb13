"""A 60 s headless Locust run with 200 asyncio listeners: what its history costs on disk per
receipt, against the one-object-per-receipt format in the same run (the same history re-written
the old way), and the peak memory of the Locust process and its children (the embedded stack)."""

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

from harness.history import load
from harness.history_file import HISTORY_NAME

ROOT = Path(__file__).resolve().parents[1]
SECONDS, USERS, LISTENERS = 60, 10, 200


def _peak_rss(process: psutil.Process, stop: threading.Event, peak: list[int]) -> None:
    while not stop.wait(0.5):
        try:
            tree = [process, *process.children(recursive=True)]
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree if p.is_running()))
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
        stop, peak = threading.Event(), [0]
        watcher = threading.Thread(target=_peak_rss, args=(psutil.Process(locust.pid), stop, peak))
        watcher.start()
        _, err = locust.communicate(timeout=SECONDS + 240)
        stop.set()
        watcher.join()
        (history_file,) = reports.glob(f"*/{HISTORY_NAME}")
        history = load(history_file)
        receipts = [o for o in history.observations if o.kind == "receipt"]
        old_bytes = sum(len(json.dumps({"rec": "obs", **vars(o)}, separators=(",", ":"))) + 1 for o in receipts)
        new_bytes = history_file.stat().st_size
        return {
            "exit_code": locust.returncode,
            "wall_s": round(time.monotonic() - started, 1),
            "listeners": LISTENERS,
            "receipts": len(receipts),
            "history_bytes_per_receipt": round(new_bytes / max(len(receipts), 1), 1),
            "old_format_receipt_bytes_per_receipt": round(old_bytes / max(len(receipts), 1), 1),
            "ratio_old/new": round(old_bytes / max(new_bytes, 1), 2),
            "peak_rss_mb": round(peak[0] / 1e6, 1),
            "stderr_tail": err[-300:] if locust.returncode else "",
        }
