"""Soak: `stocksync run soak-short` (five minutes) or `soak` (an hour), the memory of the whole
process tree (the run, its listener workers) sampled every few seconds. The figures: the growth of
the resident set from the end of warm-up to the end of play, and the peak while the final check
reads the history (the listener workers have exited by then). The final check's time is taken
exactly, from the run's quiescence (its meta's `quiesced_at`, on the same monotonic clock) to the
run's exit: the truth, the clean-up, the workers stopping, the check and the reports."""

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

from harness.record.history import read_meta
from harness.record.history_file import HISTORY_NAME

WARM_UP_S, SAMPLE_S = 60.0, 5.0


def _tree(process: psutil.Process) -> tuple[int, int, int]:
    """(resident bytes of the process and its children, of the process alone, how many listener
    workers: the final check's forked readers are children too, and are not play)."""
    children = process.children(recursive=True)
    total = own = workers = 0
    for p in [process, *children]:
        try:
            rss = p.memory_info().rss
            workers += p is not process and "listener_worker" in " ".join(p.cmdline())
        except psutil.NoSuchProcess:
            continue
        total += rss
        own = own or rss
    return total, own, workers


def measure(scenario: str, bound_s: float) -> dict[str, Any]:
    """`scenario` (a name or a path) run to its end, or killed after `bound_s`."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "harness.cli", "run", scenario, "--out", folder, "--quiet"]
        started = time.monotonic()
        child = subprocess.Popen(command)
        exited: list[float] = []
        done = threading.Event()
        threading.Thread(target=_await, args=(child, exited, done), daemon=True).start()
        process = psutil.Process(child.pid)
        played: list[tuple[float, int, int]] = []
        checking: list[int] = []
        workers_seen = False
        while not done.is_set() and time.monotonic() - started < bound_s:
            try:
                rss, own, workers = _tree(process)
            except psutil.NoSuchProcess:
                break
            workers_seen = workers_seen or workers > 0
            if workers_seen and workers == 0:
                checking.append(rss)  # the workers have stopped: the final check is reading the history
            else:
                played.append((time.monotonic() - started, rss, own))
            done.wait(SAMPLE_S)
        if child.poll() is None:
            child.kill()
        code = child.wait()
        done.wait()
        quiesced = read_meta(Path(folder) / HISTORY_NAME)[0].get("quiesced_at")
        report_file = Path(folder) / "report.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else {}
        operations = report.get("counts", {}).get("operations") or 0
        history_mb = sum(p.stat().st_size for p in Path(folder).glob("*.jsonl*")) / 1e6  # with its parts
    after_warm_up = [sample for sample in played if sample[0] >= WARM_UP_S]
    (_, first, first_own), (_, last, last_own) = after_warm_up[0], after_warm_up[-1]
    return {
        "scenario": scenario,
        "exit_code": code,
        "verdict": report.get("verdict"),
        "receipts": report.get("counts", {}).get("receipts"),
        "operations": report.get("counts", {}).get("operations"),
        "history_mb": round(history_mb, 1),
        "rss_after_warm_up_mb": round(first / 1e6),
        "rss_end_of_play_mb": round(last / 1e6),
        "rss_growth_pct": round((last - first) / first * 100, 1),
        "rss_run_process_mb": [round(first_own / 1e6), round(last_own / 1e6)],
        "rss_listener_workers_mb": [round((first - first_own) / 1e6), round((last - last_own) / 1e6)],
        "rss_samples_mb": [round(s[1] / 1e6) for s in after_warm_up[:: max(1, len(after_warm_up) // 12)]],
        "peak_rss_play_mb": round(max(s[1] for s in played) / 1e6),
        "peak_rss_final_check_mb": round(max(checking) / 1e6) if checking else None,
        "final_check_s": None if quiesced is None else round(exited[0] - quiesced, 1),
        "final_check_sampled_s": round(len(checking) * SAMPLE_S),
        "writes_per_s": None if quiesced is None else round(operations / (quiesced - started), 1),
        "wall_s": round(time.monotonic() - started),
    }


def _await(child: subprocess.Popen[bytes], exited: list[float], done: threading.Event) -> None:
    """The moment the run exits, not the next sample's."""
    child.wait()
    exited.append(time.monotonic())
    done.set()


def run() -> dict[str, Any]:
    return measure("soak-short", 900.0)


def run_hour() -> dict[str, Any]:
    return measure("soak", 3600.0 + 1800.0)


def row(result: dict[str, Any]) -> tuple[str, str, str]:
    return (
        f"{result['scenario']} (500 viewers): RSS growth after warm-up ({result['receipts'] or 0:,} receipts)",
        f"{result['rss_growth_pct']} % ({result['rss_after_warm_up_mb']} -> {result['rss_end_of_play_mb']} MB)",
        f"goal < 10 %; verdict {result['verdict']}, final check peak {result['peak_rss_final_check_mb']} MB "
        f"in {result['final_check_s']} s from quiescence to exit; {result['writes_per_s']} writes/s",
    )
