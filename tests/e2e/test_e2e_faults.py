"""End to end on the embedded stack: every fault in the catalogue yields its finding, run
through the scenario that exposes it, and every scenario is clean on the healthy stack."""

from __future__ import annotations

import pytest

from harness.faults import CATALOGUE
from harness.scenario import available
from harness.testing import assert_no_findings

# Smaller than the shipped files so the default test run stays short; `heavy` runs them whole.
QUICK = {"run": {"operations": 24, "duration_s": 20}}
QUICK_BUSY = {"run": {"operations": 40, "duration_s": 30}, "listeners": {"count": 8}, "counters": {"count": 4}}
OP_FINDINGS = {
    "missing-event",
    "payload-mismatch",
    "self-echo",
    "late-event",
    "locked-write-accepted",
    "cross-hotel-access",
    "gap-during-disconnect",
    "server-error",
    "out-of-order",
}


# Each write of the slow-trigger fault waits slow_ms on the writer thread: a few suffice.
SLOW = {"run": {"operations": 6, "duration_s": 20}}


def _quick(scenario: str, fault: str = "") -> dict:
    if fault == "slow-trigger":
        return SLOW
    return QUICK_BUSY if scenario == "busy-stocktake" else QUICK


@pytest.mark.parametrize("spec", CATALOGUE, ids=[s.name for s in CATALOGUE])
def test_fault_yields_its_finding(stocksync_run, spec) -> None:
    fault = spec.name + ("=0.3" if spec.name in ("pusher-drop", "flaky-500") else "")
    fault = spec.name + "=0.05" if spec.name == "pusher-disconnect" else fault
    outcome = stocksync_run(spec.scenario, faults=[fault], **_quick(spec.scenario, spec.name))
    found = [f for f in outcome.result.findings if f.name == spec.finding]
    assert found, f"{spec.name} should yield {spec.finding}; got {sorted({f.name for f in outcome.result.findings})}"
    assert outcome.result.errors, "a fault must fail the run"
    if spec.finding in OP_FINDINGS:
        assert any(f.operation is not None for f in found), "the report names the operation"
    if spec.finding not in ("locked-write-accepted", "cross-hotel-access", "server-error", "oversize-payload"):
        assert all(f.listener for f in found), "the report names the listener"


@pytest.mark.parametrize("scenario", available())
def test_scenario_is_clean_on_the_healthy_stack(stocksync_run, scenario: str) -> None:
    outcome = stocksync_run(scenario, **_quick(scenario))
    assert_no_findings(outcome)
    assert outcome.result.counts["matched"] > 0


def test_reconnect_reports_planned_gaps_as_warnings_and_views_converge(stocksync_run) -> None:
    outcome = stocksync_run("reconnect", **QUICK)
    names = {f.name for f in outcome.result.findings}
    assert names <= {"gap-during-disconnect"}
    assert all(f.severity == "warning" for f in outcome.result.findings)
    assert not [f for f in outcome.result.findings if f.name == "divergence"]


@pytest.mark.heavy
@pytest.mark.parametrize("scenario", available())
def test_shipped_scenarios_whole(stocksync_run, scenario: str) -> None:
    assert_no_findings(stocksync_run(scenario))
