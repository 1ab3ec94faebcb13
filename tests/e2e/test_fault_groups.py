"""One injected fault, one cause at the top: for every fault in the catalogue, its run's first group
names the fault's finding and the run has at most three error groups (a reader is not handed a
hundred lines for one defect). The whole sweep plays each fault in the scenario the catalogue names,
sized as the fault tests size it (`heavy`); the default run plays two faults, one told by HTTP
answers and one by deliveries."""

from __future__ import annotations

import pytest

from harness.checks.findings import NAMES
from harness.report.model import Report, build_report
from harness.run.runner import RunOutcome
from harness.spec.faults import BY_NAME, CATALOGUE, FaultSpec
from tests.e2e.test_e2e_faults import _quick

QUICK = {"run": {"operations": 16, "duration_s": 20}}
MOST_ERROR_GROUPS = 3


def _report(outcome: RunOutcome) -> Report:
    return build_report(outcome.history, outcome.result, [], outcome.duration)


def _assert_one_cause_on_top(spec: FaultSpec, report: Report) -> None:
    """A fault the catalogue says makes no finding (a shape real backends have) makes no error group."""
    errors = [g for g in report.groups if g.severity == "error"]
    told = [g.summary for g in report.groups]
    if spec.finding not in NAMES:
        assert errors == [], told
        return
    assert report.groups and report.groups[0].name == spec.finding, told
    assert report.groups[0].severity == spec.severity, told
    assert len(errors) <= MOST_ERROR_GROUPS, told


def test_refused_line_writes_are_one_group_with_their_whole_and_a_hint(stocksync_run) -> None:
    spec = BY_NAME["refuse-line-writes"]
    report = _report(stocksync_run(spec.scenario, faults=[spec.name], **QUICK))
    _assert_one_cause_on_top(spec, report)
    (group,) = report.groups
    refused = report.findings[0].actual["count"]
    assert group.summary == (
        f"{refused} of {refused} patch_line writes (100 %) answered 403: "
        "Injected fault refuse-line-writes: You do not have permission to perform this action."
    )
    assert report.hints and report.hints[0].startswith("the token's user may not write")


def test_dropped_events_are_one_group_named_by_the_fault_with_their_consequences_under_it(stocksync_run) -> None:
    spec = BY_NAME["pusher-drop"]
    report = _report(stocksync_run(spec.scenario, faults=[f"{spec.name}=0.3"], **QUICK))
    _assert_one_cause_on_top(spec, report)
    top = report.groups[0]
    assert top.summary.startswith("pusher-drop: ") and top.faults == ["pusher-drop"]
    assert top.count == sum(f.name == "missing-event" for f in report.findings)
    assert set(top.consequences) <= {"divergence"}


@pytest.mark.heavy
@pytest.mark.sweep
@pytest.mark.parametrize("spec", CATALOGUE, ids=[s.name for s in CATALOGUE])
def test_every_fault_in_its_scenario_has_its_finding_on_top(stocksync_run, spec: FaultSpec) -> None:
    outcome = stocksync_run(spec.scenario, faults=[spec.name], **_quick(spec.scenario, spec.name))
    _assert_one_cause_on_top(spec, _report(outcome))
