"""The report links causes and consequences: injected faults and lost events explain findings."""

from __future__ import annotations

from harness.checks import check
from harness.contract import Contract
from harness.history import Observation
from harness.report import build_report
from harness.report.groups import group_findings
from tests.histories import DETAIL, LINE, drop_receipt, event_text, healthy, patch_op, receipt, server_error


def test_a_divergence_names_the_missing_event_on_its_line_and_the_fault_that_dropped_it() -> None:
    history = healthy()
    drop_receipt(history)
    history.observations.append(
        Observation("injected-fault", 1.1, socket_id="1.1", channel=DETAIL, event="line-counted-updated",
                    data={"kind": "drop"})
    )  # fmt: skip
    report = build_report(history, check(history, Contract()), [], 1.0)
    by_name = {f.name: f.explained_by for f in report.findings}
    assert "missing-event of operation 1 (line 1709)" in by_name["divergence"]
    assert by_name["missing-event"] == ["pusher-drop of line-counted-updated to viewer"]
    assert report.faults_injected == {"pusher-drop": 1}
    assert [g.name for g in report.groups] == ["missing-event", "divergence"], "causes first"


def test_a_backend_fault_explains_the_operation_it_bent() -> None:
    history = healthy()
    server_error(history)
    history.observations.append(Observation("injected-fault", 3.05, data={"kind": "flaky-500", "layer": "backend",
                                                                          "operation": "3"}))  # fmt: skip
    report = build_report(history, check(history, Contract()), [], 1.0)
    (finding,) = [f for f in report.findings if f.name == "server-error"]
    assert finding.explained_by == ["flaky-500 on operation 3"]


def test_one_stall_is_one_group() -> None:
    """Four writes in a burst whose events all come 3 s late: one cause, one group, with its worst."""
    history = healthy()
    for n in range(2, 6):
        line = {**LINE, "counted_partial_units": f"{n}.00"}
        history.operations.append(patch_op(n, line, 2.0 + n / 100))
        history.observations.insert(-1, receipt("viewer", 5.0 + n / 100, event_text(line)))
    late = [f for f in check(history, Contract()).findings if f.name == "late-event"]
    (group,) = group_findings(late, 1.0)
    assert len(late) == 4 and group.count == 4 and group.operations == [2, 3, 4, 5]
    assert group.summary == "4 x late-event: operations 2-5 for 1 listener(s), up to 3.0 s"
