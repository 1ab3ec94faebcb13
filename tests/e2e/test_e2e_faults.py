"""End to end on the embedded stack: every fault in the catalogue yields its finding, run
through the scenario that exposes it, and every scenario is clean on the healthy stack."""

from __future__ import annotations

import pytest

from harness.spec.faults import CATALOGUE, legitimate
from harness.spec.scenario import available
from harness.testing import assert_no_findings

# Smaller than the shipped files so the default test run stays short; `heavy` runs them whole.
QUICK = {"run": {"operations": 16, "duration_s": 20}}
QUICK_BUSY = {"run": {"operations": 40, "duration_s": 30}, "listeners": {"count": 8}, "counters": {"count": 4}}
QUICK_SOAK = {"run": {"operations": 16, "duration_s": 20}, "listeners": {"count": 40}, "counters": {"count": 2}}
QUICK_HOUR = {"run": {"duration_s": 4}, "listeners": {"count": 40}, "counters": {"count": 2}}  # still ends by time
# three pages, not eight (with the counters' two, five Chromium pages rather than ten on two cores)
QUICK_PAGES = {"run": {"operations": 12, "duration_s": 20}, "listeners": {"browsers": 3}}
# soak-short runs whole in tests/e2e/test_soak.py (five minutes): once is its whole-pass test; soak
# (an hour) is measured by `python -m bench soak_hour`
WHOLE = [name for name in available() if name not in ("soak-short", "soak")]
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
    "writes-refused",
    "write-despite-error",
    "bad-input-accepted",
}
NO_LISTENER = {
    "locked-write-accepted",
    "cross-hotel-access",
    "server-error",
    "oversize-payload",
    "writes-refused",
    "write-despite-error",
    "bad-input-accepted",
    "trigger-refused",
}


# Each write of the slow-trigger fault waits slow_ms on the writer thread: a few suffice.
SLOW = {"run": {"operations": 6, "duration_s": 20}}


# late-response: both counters on one line, so each one's late answer lands after the other's newer event
ONE_LINE = {**SLOW, "stocktake": {"lines": 1}}


def _quick(scenario: str, fault: str = "") -> dict:
    if fault in ("slow-trigger", "hang-then-commit"):
        return SLOW
    if fault == "late-response":
        return ONE_LINE
    quick = {"busy-stocktake": QUICK_BUSY, "soak-short": QUICK_SOAK, "soak": QUICK_HOUR, "browsers": QUICK_PAGES}
    return quick.get(scenario, QUICK)


# slow-trigger holds every write for seconds; late-event is produced quickly by pusher-delay too
@pytest.mark.parametrize(
    "spec",
    [pytest.param(s, marks=pytest.mark.heavy) if s.name == "slow-trigger" else s for s in CATALOGUE],
    ids=[s.name for s in CATALOGUE],
)
def test_fault_yields_its_finding(stocksync_run, spec) -> None:
    fault = spec.name + ("=0.3" if spec.name in ("pusher-drop", "flaky-500", "html-500", "debug-500") else "")
    fault = spec.name + "=0.05" if spec.name == "pusher-disconnect" else fault
    outcome = stocksync_run(spec.scenario, faults=[fault], **_quick(spec.scenario, spec.name))
    if legitimate(spec):  # a real backend's shape, not a defect: the run passes, silent
        assert_no_findings(outcome)
        assert outcome.result.verdict == "PASS", outcome.result.reasons
        return
    found = [f for f in outcome.result.findings if f.name == spec.finding]
    assert found, f"{spec.name} should yield {spec.finding}; got {sorted({f.name for f in outcome.result.findings})}"
    assert spec.severity in {f.severity for f in found}
    if spec.severity == "error":
        assert outcome.result.errors, "a fault must fail the run"
    else:
        assert outcome.result.verdict == "PASS", "the contract's own race is reported, and is not the backend's failure"
    if spec.finding in OP_FINDINGS:
        assert any(f.operation is not None for f in found), "the report names the operation"
    if spec.name == "html-500":
        assert any("answered 500: 500 text/html: Server Error (500)" in f.message for f in found), found[0].message
    if spec.name == "debug-500":  # the DEBUG page's exception message, not only its title
        said = "500 text/html: TypeError at /"
        assert all(said in f.message and "'decimal.Decimal' and 'float'" in f.message for f in found), found[0].message
    if spec.finding not in NO_LISTENER:
        assert all(f.listener for f in found), "the report names the listener"


# browsers in heavy, beside the browser pages' other runs (tests/e2e/test_browser_listeners.py): Chromium's
# pages are the default run's costliest
@pytest.mark.parametrize(
    "scenario", [pytest.param(s, marks=pytest.mark.heavy) if s == "browsers" else s for s in available()]
)
def test_scenario_is_clean_on_the_healthy_stack(stocksync_run, scenario: str) -> None:
    """Clean, PASS, and every check the catalogue says this scenario exposes judged something:
    silence from a check that held nothing against the contract would prove nothing."""
    outcome = stocksync_run(scenario, **_quick(scenario))
    assert_no_findings(outcome)
    assert outcome.result.verdict == "PASS", outcome.result.reasons
    assert outcome.result.counts["matched"] > 0
    exposed = {spec.finding for spec in CATALOGUE if spec.scenario == scenario and not legitimate(spec)}
    assert {name for name in exposed if not outcome.result.judged[name]} == set()


def test_reconnect_reports_planned_gaps_as_warnings_and_views_converge(stocksync_run) -> None:
    outcome = stocksync_run("reconnect", **QUICK)
    names = {f.name for f in outcome.result.findings}
    assert names <= {"gap-during-disconnect"}
    assert all(f.severity == "warning" for f in outcome.result.findings)
    assert not [f for f in outcome.result.findings if f.name == "divergence"]


@pytest.mark.heavy
@pytest.mark.parametrize("scenario", WHOLE)
@pytest.mark.parametrize("attempt", range(3))
def test_shipped_scenarios_whole_pass_without_false_alarms(stocksync_run, scenario: str, attempt: int) -> None:
    """No false finding, INCONCLUSIVE or writes-refused on a healthy stack, three times over."""
    outcome = stocksync_run(scenario, seed=7 + attempt)
    assert_no_findings(outcome)
    assert outcome.result.verdict == "PASS", outcome.result.reasons


@pytest.mark.heavy
@pytest.mark.parametrize("attempt", range(10))
def test_healthy_smoke_is_never_inconclusive(stocksync_run, attempt: int) -> None:
    outcome = stocksync_run("smoke", seed=100 + attempt)
    assert outcome.result.verdict == "PASS", (outcome.result.reasons, [f.message for f in outcome.result.errors[:3]])
