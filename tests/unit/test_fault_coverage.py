"""unjudged-fault: a fault the servers logged that no finding explains makes the run INCONCLUSIVE;
one that a finding explains leaves the verdict to that finding; no fault, no word. And the blind
spots it exposed: a partial line repaired later, and swaps of changes across lines."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from harness.check_file import check_file
from harness.checks import check
from harness.checks.fault_links import explanations
from harness.record.history import HistoryData, Observation
from harness.record.history_file import HISTORY_NAME
from harness.record.records import fields_of
from harness.report.compare import compare
from harness.report.junit import render_junit
from harness.report.model import build_report
from harness.spec.contract import Contract
from harness.testing import write_history
from tests.histories import DETAIL, LINE, drop_receipt, event_text, healthy, patch_op, receipt, replace_receipt

PARTIAL = {k: LINE[k] for k in ("id", "item_sku", "expected_qty", "variance_qty")}


def _fault(kind: str, operation: int | None = None, socket_id: str | None = None) -> Observation:
    """As the runner records the servers' logs: the backend's by operation, the Pusher server's by socket."""
    data: dict[str, object] = {"kind": kind}
    if operation is not None:
        data.update(layer="backend", operation=str(operation))
    return Observation("injected-fault", 9.5, socket_id=socket_id, channel=DETAIL, event="line-counted-updated",
                       data=data)  # fmt: skip


def _with(*faults: Observation) -> HistoryData:
    history = copy.deepcopy(healthy())
    history.observations.extend(faults)
    return history


def test_a_fault_that_fired_with_no_finding_makes_the_run_inconclusive() -> None:
    history = _with(*[_fault("partial-line", operation=1)] * 5)
    result = check(history, Contract())
    assert result.verdict == "INCONCLUSIVE"
    assert result.reasons == ["partial-line fired 5 time(s) and no check saw it"]
    (finding,) = result.findings
    assert (finding.name, finding.severity) == ("unjudged-fault", "inconclusive")
    assert result.errors == [], "the harness's blindness is not the backend's failure"
    assert result.judged["unjudged-fault"] == 5, "each occurrence was held against the findings"


def test_a_fault_its_finding_explains_fails_the_run_with_no_unjudged_fault() -> None:
    history = _with(_fault("partial-line", operation=1))
    replace_receipt(history, data=event_text(PARTIAL))
    result = check(history, Contract())
    assert result.verdict == "FAIL" and result.reasons == []
    assert "unjudged-fault" not in {f.name for f in result.findings}
    assert result.judged["unjudged-fault"] == 1


def test_a_pusher_fault_is_explained_by_the_finding_of_its_own_listener_and_event() -> None:
    history = _with(_fault("drop", socket_id="1.1"))
    drop_receipt(history)
    assert "unjudged-fault" not in {f.name for f in check(history, Contract()).findings}


def test_a_backend_fault_explains_a_finding_about_its_operations_event_that_names_no_operation() -> None:
    """An envelope is judged per received event, with no operation: its line and counted values
    name the write the bad-envelope fault bent."""
    history = _with(_fault("bad-envelope", operation=1))
    replace_receipt(history, data=event_text(LINE, item_sku="B0031"))
    result = check(history, Contract())
    assert [f.name for f in result.findings] == ["envelope-mismatch"]
    assert explanations(history, result.findings) == [["bad-envelope on operation 1"]]


def test_a_fault_on_another_listener_is_not_explained_by_this_ones_finding() -> None:
    """The viewer lost its event; the drop was logged on the writer's own socket: the drop went
    unseen, which a failing run still says (as a finding), though it stays FAIL."""
    history = _with(_fault("drop", socket_id="2.2"))
    drop_receipt(history)
    result = check(history, Contract())
    assert result.verdict == "FAIL" and result.reasons == []
    unjudged = [f.message for f in result.findings if f.name == "unjudged-fault"]
    assert unjudged == ["pusher-drop fired 1 time(s) and no check saw it"]


def test_no_fault_no_word() -> None:
    result = check(healthy(), Contract())
    assert result.verdict == "PASS" and result.findings == []
    assert result.judged["unjudged-fault"] == 0


def test_the_report_shows_what_it_judged_and_junit_does_not_call_it_a_failure() -> None:
    history = _with(_fault("partial-line", operation=1), _fault("partial-line", operation=1))
    report = build_report(history, check(history, Contract()), [], 1.0)
    (row,) = [c for c in report.checks if c.name == "unjudged-fault"]
    assert (row.count, row.judged, row.severity) == (1, 2, "inconclusive")
    assert report.verdict == "INCONCLUSIVE" and report.faults_injected == {"partial-line": 2}
    suite = ET.fromstring(render_junit(report))
    assert suite.get("failures") == "0" and suite.get("errors") == "1"
    (case,) = [c for c in suite.iter("testcase") if c.get("name") == "unjudged-fault"]
    assert case.find("failure") is None and "partial-line fired 2 time(s)" in (case.findtext("system-out") or "")


def test_the_check_of_a_file_on_disk_is_as_blind_as_the_check_in_memory(tmp_path: Path) -> None:
    history = _with(_fault("reorder", socket_id="1.1"))
    write_history(history, tmp_path / HISTORY_NAME)
    _, result = check_file(tmp_path / HISTORY_NAME)
    assert result.verdict == "INCONCLUSIVE"
    assert result.reasons == ["pusher-reorder fired 1 time(s) and no check saw it"]


def test_the_report_and_the_checker_link_faults_alike() -> None:
    """One linking: the fault a finding's explanation names is the fault the checker counts as seen."""
    history = _with(_fault("drop", socket_id="1.1"), _fault("partial-line", operation=1))
    drop_receipt(history)
    result = check(history, Contract())
    linked = dict(zip((f.name for f in result.findings), explanations(history, result.findings), strict=True))
    assert linked["missing-event"] == ["partial-line on operation 1", "pusher-drop of line-counted-updated to viewer"]
    assert "unjudged-fault" not in linked


def test_a_partial_line_is_a_payload_mismatch_naming_its_fields_though_a_later_event_repairs_it() -> None:
    history = copy.deepcopy(healthy())
    replace_receipt(history, data=event_text(PARTIAL))
    repaired = {**LINE, "counted_partial_units": "46.50", "counted_qty": "222.5000"}
    history.operations.append(patch_op(2, repaired, 2.0))
    history.observations.insert(-1, receipt("viewer", 2.15, event_text(repaired)))
    history.observations[-1] = Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [repaired]})
    result = check(history, Contract())
    assert [f.name for f in result.findings] == ["payload-mismatch"], "the view converged; the event was still wrong"
    (finding,) = result.findings
    assert finding.operation == 1 and finding.listener == "viewer"
    missing = [k for k in LINE if k not in PARTIAL]
    assert finding.diff == [f"line.{k}: expected {LINE[k]!r}, got no such field" for k in missing]


def test_an_event_without_its_line_is_a_payload_mismatch() -> None:
    history = copy.deepcopy(healthy())
    replace_receipt(history, data='{"line_id": 1709, "item_sku": "D0030"}')
    (finding,) = [f for f in check(history, Contract()).findings if f.name == "payload-mismatch"]
    assert finding.diff == ["line: expected the line, got no such field"]


def _two_lines_swapped(same_line: bool) -> HistoryData:
    """Operation 2 completed before operation 3 was invoked; the viewer got 3's event first."""
    history = copy.deepcopy(healthy())
    history.observations = [o for o in history.observations if o.kind not in ("snapshot", "truth")]
    other = {**LINE, "counted_partial_units": "46.50"} if same_line else {**LINE, "id": 1710, "item_sku": "D0031"}
    history.operations += [patch_op(2, {**LINE, "counted_partial_units": "40.00"}, 2.0), patch_op(3, other, 2.2)]
    history.observations += [
        receipt("viewer", 2.35, event_text(other)),
        receipt("viewer", 2.4, event_text({**LINE, "counted_partial_units": "40.00"})),
    ]
    return history


def test_a_swap_of_two_lines_changes_is_a_warning_and_explains_the_reorder_that_caused_it() -> None:
    history = _two_lines_swapped(same_line=False)
    history.observations.append(_fault("reorder", socket_id="1.1"))
    result = check(history, Contract())
    (finding,) = result.findings
    assert (finding.name, finding.severity, finding.operation) == ("out-of-order", "warning", 2)
    assert "replaces each line by its id" in finding.message
    assert result.verdict == "PASS", "the contract's frontend ends with the same page: seen, shown, not failed"


def test_a_swap_of_one_lines_changes_is_an_error() -> None:
    result = check(_two_lines_swapped(same_line=True), Contract())
    (finding,) = result.findings
    assert (finding.name, finding.severity, finding.operation) == ("out-of-order", "error", 2)
    assert result.verdict == "FAIL"


def test_changes_in_the_servers_order_are_silent() -> None:
    history = _two_lines_swapped(same_line=False)
    first, second = history.observations[-2:]
    history.observations[-2:] = [
        Observation(**{**fields_of(second), "time": 2.35}),
        Observation(**{**fields_of(first), "time": 2.4}),
    ]
    result = check(history, Contract())
    assert result.findings == [] and result.judged["out-of-order"] == 3


def _late_answer(raced: bool, repaired: bool) -> HistoryData:
    """Operation 1 answered at 3.0, late; operation 2 (another counter's, same line) came while it was
    late, or after; operation 3, the first counter's own next write of the line, or none."""
    history = _with(_fault("late-response", operation=1))
    history.operations[0] = patch_op(1, LINE, 1.0, complete=3.0)
    newer = {**LINE, "counted_partial_units": "46.50"}
    at = 2.0 if raced else 3.5
    history.operations.append(patch_op(2, newer, at, socket_id="3.3", actor="counter-2"))
    history.observations += [receipt(name, at + 0.1, event_text(newer), socket_id=sid)
                             for name, sid in (("viewer", "1.1"), ("counter-1-browser", "2.2"))]  # fmt: skip
    final = {**LINE, "counted_partial_units": "47.00"} if repaired else newer
    if repaired:
        history.operations.append(patch_op(3, final, 4.0))
        history.observations.append(receipt("viewer", 4.1, event_text(final)))
    history.observations = [o for o in history.observations if o.kind != "truth"]
    history.observations.append(Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [final]}))
    history.observations.sort(key=lambda o: o.time)
    return history


def test_a_late_answer_no_newer_change_could_race_is_benign() -> None:
    result = check(_late_answer(raced=False, repaired=False), Contract())
    assert result.verdict == "PASS" and result.findings == []


def test_a_late_answer_raced_and_repaired_by_the_writers_own_next_write_is_benign() -> None:
    result = check(_late_answer(raced=True, repaired=True), Contract())
    assert result.verdict == "PASS" and result.findings == []


def test_a_late_answer_raced_and_left_unjudged_is_inconclusive() -> None:
    result = check(_late_answer(raced=True, repaired=False), Contract())
    assert result.reasons == ["late-response fired 1 time(s) and no check saw it"]


def test_underscored_names_are_benign_under_a_contract_that_spells_them_so() -> None:
    history = _with(_fault("underscore-event-names", operation=1))
    replace_receipt(history, event="line_counted_updated")
    spelled = Contract(names={**Contract().names, "line-counted-updated": "line_counted_updated"})
    assert check(history, spelled).verdict == "PASS"
    default = check(history, Contract())
    assert {f.name for f in default.findings} == {"unexpected-event", "missing-event", "divergence"}, "seen: judged"


def test_a_run_that_injected_fewer_faults_is_no_regression() -> None:
    """compare: unjudged-fault judges the faults a run injected; a healthy candidate judges none."""
    faulty = _with(_fault("partial-line", operation=1))
    replace_receipt(faulty, data=event_text(PARTIAL))
    before = build_report(faulty, check(faulty, Contract()), [], 1.0).to_json_dict()
    after = build_report(healthy(), check(healthy(), Contract()), [], 1.0).to_json_dict()
    assert [c.what for c in compare(before, after) if c.regression] == []
    worse = [c.what for c in compare(after, before) if c.regression]
    assert worse == ["verdict", "payload-mismatch findings", "divergence findings"]


def test_an_underscored_event_no_page_had_subscribed_to_hear_is_benign() -> None:
    """A write to a stocktake no listener had open: its renamed event reached nobody."""
    history = _with(_fault("underscore-event-names", operation=2))
    unheard = {**LINE, "id": 99, "stocktake": 6}
    history.operations.append(patch_op(2, unheard, 2.0, request={"stocktake_id": 6, "line_id": 99}))
    assert check(history, Contract()).verdict == "PASS"
    history.observations.append(Observation("subscribed", 1.5, "viewer", "1.1", f"{DETAIL[:-1]}6"))
    heard = check(history, Contract())
    assert heard.verdict == "FAIL" and [f.name for f in heard.findings] == ["missing-event"], "owed, so judged"


UNREAD = {
    "the-pusher-log": {"server_log": {"read": False, "why": "the Pusher server's log could not be fetched: timed out"}},
    "the-backend-log": {"server_log": {"read": True, "backend_unread": "the backend answered 502 for its log"}},
    "forgotten-entries": {"server_log": {"read": True}, "server_log_dropped": {"faults": 40, "rejections": 0}},
}


@pytest.mark.parametrize("meta", UNREAD.values(), ids=UNREAD.keys())
def test_a_run_that_injected_faults_and_could_not_read_what_fired_is_inconclusive(meta: dict[str, Any]) -> None:
    """Nothing on record fired, so no fault is held against a finding: with the servers' record of what
    fired not whole, a quiet run proves nothing about the faults it injected."""
    history = _with()
    history.meta.update(faults=["partial-line", "pusher-drop=0.2"], **meta)
    result = check(history, Contract())
    assert result.verdict == "INCONCLUSIVE" and len(result.reasons) == 1, result.reasons
    assert result.reasons[0].startswith("it injected partial-line, pusher-drop, but ")
    assert result.reasons[0].endswith(": which fired, and whether a check saw each, is unknown")
    assert result.errors == [], "the harness's blindness is not the backend's failure"


@pytest.mark.parametrize(
    ("faults", "meta"),
    [(["partial-line"], {"server_log": {"read": True}}), (["concurrent-values"], UNREAD["the-pusher-log"]), ([], {})],
    ids=["its-log-read-whole", "a-legitimate-shape-only", "no-fault"],
)
def test_a_run_whose_record_of_faults_is_whole_or_needs_none_stays_silent(
    faults: list[str], meta: dict[str, Any]
) -> None:
    history = _with()
    history.meta.update(faults=faults, **meta)
    assert check(history, Contract()).verdict == "PASS"
