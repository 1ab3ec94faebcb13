"""The live feed tells what the report tells: recorded runs with faults, replayed through it."""

from __future__ import annotations

from collections import Counter

import pytest

from harness.checks import check
from harness.checks.changes import DELIVERY
from harness.load.feed import LiveFeed
from harness.spec.contract import Contract
from harness.testing import following


@pytest.mark.parametrize("fault", ["pusher-drop=0.3", "pusher-duplicate=0.3", "pusher-delay=0.3"])
def test_live_samples_are_the_final_reports_changes(stocksync_run, fault: str) -> None:
    outcome = stocksync_run("smoke", faults=[fault], run={"operations": 16, "duration_s": 20})
    history, contract = outcome.history, Contract()
    limit_s = history.meta["latency_limit_ms"] / 1000
    recorder = following(history)
    feed, rows = LiveFeed(contract, limit_s, recorder), []
    completions = sorted(op.complete for op in history.operations if op.complete is not None)
    for now in completions[::4]:  # the live loop's clock, moving forward as the run went
        rows += feed.rows(recorder, now)
    rows += feed.rows(recorder, None)
    final = check(history, contract)
    changes = set(final.slowest) | {(f.operation, f.event) for f in final.errors if f.name in DELIVERY and f.operation}
    failed = {(f.operation, f.event) for f in final.errors if f.name in DELIVERY and f.operation}
    assert failed, f"{fault} should have hurt some change"
    live_failed = Counter(r.name for r in rows if r.kind == "PUSHER" and r.failure)
    live_ok = Counter(r.name for r in rows if r.kind == "PUSHER" and not r.failure)
    assert live_failed == Counter(event for _, event in failed)
    assert live_ok == Counter(event for change in changes - failed for _, event in [change])
    # a sample's time is its change's slowest delivery: none when nobody got it, never the limit instead
    timeless = Counter(r.name for r in rows if r.kind == "PUSHER" and r.latency_ms is None)
    assert timeless == Counter(event for change in failed if change not in final.slowest for _, event in [change])
    assert all(r.latency_ms > 0 for r in rows if r.kind == "PUSHER" and r.latency_ms is not None)
