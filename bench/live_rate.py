"""How fast the live check takes receipts on one core: the goal is at least 100,000 receipts/s, so
that Locust's Sync tab and the CLI's progress keep up with a busy run. A synthetic healthy history
(200,000 receipts, 10 listeners) is fed into a history its `LiveCheck` follows, one second of
history time at a time, updated after each; CPU seconds of the process, the check's only (feeding
the recorder is timed apart and taken off). The figure is held against that goal."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from harness.checks.live import LiveCheck
from harness.record.history import History
from harness.record.history_file import HISTORY_NAME
from harness.spec.contract import Contract
from harness.testing import history_with

from .stats import ratio

RECEIPTS, LISTENERS = 200_000, 10


def run() -> dict[str, Any]:
    history = history_with(RECEIPTS, listeners=LISTENERS)
    seconds: dict[int, tuple[list[Any], list[Any]]] = {}
    for op in history.operations:
        seconds.setdefault(int(op.invoke), ([], []))[0].append(op)
    for obs in history.observations:
        seconds.setdefault(int(obs.time), ([], []))[1].append(obs)
    with tempfile.TemporaryDirectory() as folder:
        recorder = History(Path(folder) / HISTORY_NAME, dict(history.meta), receipts=False, operations=False)
        live = LiveCheck(Contract(), history.meta["latency_limit_ms"] / 1000, recorder)
        recording = checking = 0.0
        for second in range(max(seconds) + 1):
            ops, observations = seconds.get(second, ([], []))
            started = time.process_time()
            for op in ops:
                recorder.add_operation(op)
            for obs in observations:
                recorder.append(obs)
            fed = time.process_time()
            live.update(recorder, float(second + 1))
            recording, checking = recording + fed - started, checking + time.process_time() - fed
        started = time.process_time()
        live.update(recorder, None)
        checking += time.process_time() - started
        recorder.close()
    assert live.stream.totals.matched == RECEIPTS and not live.errors, "the synthetic history is healthy"
    return {
        "receipts": RECEIPTS,
        "check_cpu_s": round(checking, 3),
        "record_cpu_s": round(recording, 3),
        "receipts_per_s": round(RECEIPTS / checking),
        "ratio_to_goal_100k": ratio(RECEIPTS / checking, 100_000),
    }


def row(result: dict[str, Any]) -> tuple[str, str, str]:
    return (
        f"live check, {result['receipts']:,} receipts on one core",
        f"{result['receipts_per_s']:,} receipts/s (check {result['check_cpu_s']} s CPU)",
        f"{result['ratio_to_goal_100k']} x the goal of 100,000/s",
    )
