"""Embedded runs with a real backend's identical payloads, and a stale payload told as itself.

Counters re-save unchanged lines now and then in every scenario, and the concurrent-values shape
makes a write answer and broadcast a concurrent later write's values: healthy runs with both have
no finding. The stale-payload fault is payload-mismatch, and nothing it causes is told as another
defect (no self-echo, no missing or duplicate event).
"""

from __future__ import annotations

import pytest

from harness.record.history import HistoryData
from harness.spec.scenario import available
from harness.testing import assert_no_findings

QUICK = {"run": {"operations": 30, "duration_s": 20}}
TWO_LINES = {**QUICK, "stocktake": {"lines": 2}}  # both counters on two lines: writes of one line overlap
HEAVY_SCENARIOS = [name for name in available() if name not in ("soak-short", "soak")]


def repeats(history: HistoryData) -> int:
    """Line writes whose answer repeats the line's previous answer: a re-save, or a write that carried
    a concurrent write's values. Each owes listeners a copy of a line event they already had."""
    last: dict[object, tuple[object, object]] = {}
    count = 0
    answered = [op for op in history.operations if op.ok and op.kind == "patch_line" and isinstance(op.body, dict)]
    for op in sorted(answered, key=lambda op: op.complete or op.invoke):
        values = (op.body.get("counted_full_units"), op.body.get("counted_partial_units"))
        count += last.get(op.body.get("id")) == values
        last[op.body.get("id")] = values
    return count


@pytest.mark.parametrize(
    "seed", [1, pytest.param(2, marks=pytest.mark.heavy), pytest.param(3, marks=pytest.mark.heavy)]
)
def test_re_saves_and_concurrent_values_give_no_finding(stocksync_run, seed: int) -> None:
    outcome = stocksync_run("smoke", faults=["concurrent-values"], seed=seed, **TWO_LINES)
    assert repeats(outcome.history) > 0, "the run owed identical copies: it proves something"
    assert_no_findings(outcome)
    assert outcome.result.verdict == "PASS", outcome.result.reasons


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.heavy)])
def test_a_stale_payload_is_payload_mismatch_and_nothing_else_it_causes(stocksync_run, seed: int) -> None:
    outcome = stocksync_run("smoke", faults=["stale-payload"], seed=seed, **TWO_LINES)
    names = {f.name for f in outcome.result.findings}
    assert "payload-mismatch" in names
    assert names.isdisjoint({"self-echo", "missing-event", "duplicate-event"}), sorted(names)


@pytest.mark.heavy
@pytest.mark.sweep
@pytest.mark.parametrize("scenario", HEAVY_SCENARIOS)
@pytest.mark.parametrize("attempt", range(20))
def test_every_scenario_with_re_saves_and_concurrent_values_passes(stocksync_run, scenario: str, attempt: int) -> None:
    outcome = stocksync_run(scenario, faults=["concurrent-values"], seed=200 + attempt)
    assert_no_findings(outcome)
    assert outcome.result.verdict == "PASS", outcome.result.reasons
