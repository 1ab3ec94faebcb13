"""One group per cause, from crafted histories: a group's line states the whole with its denominator,
what differs per request does not split a cause, and a consequence is shown under its cause."""

from __future__ import annotations

from dataclasses import replace

from harness.checks import check
from harness.checks.findings import Finding
from harness.checks.server_words import normalised
from harness.record.history import HistoryData, Observation
from harness.report.calls import RunFacts
from harness.report.groups import grouping
from harness.report.model import Report, build_report
from harness.spec.contract import Contract
from tests.histories import DETAIL, LINE, healthy, locked_write, missing, patch_op, server_error, trigger_refused

PERMISSION = "You do not have permission to perform this action."


def _report(history: HistoryData) -> Report:
    return build_report(history, check(history, Contract()), [], 1.0)


def _only_writes(ops: list) -> HistoryData:
    """The healthy history's listeners and truth, with these writes alone (no event owed by any)."""
    history = healthy()
    missing(history)
    history.operations = ops
    return history


def test_forty_four_refusals_of_one_kind_are_one_group_that_states_the_whole() -> None:
    refused = [patch_op(n, LINE, 1.0 + n / 100, type="fail", status=403, body={"detail": PERMISSION})
               for n in range(1, 45)]  # fmt: skip
    report = _report(_only_writes(refused))
    (group,) = report.groups
    assert group.summary == f"44 of 44 patch_line writes (100 %) answered 403: {PERMISSION}"
    assert group.example == "", "its one finding would say the line again"
    assert report.hints[0].startswith("the token's user may not write (44 of 44 patch_line writes answered 403")


def test_one_expired_token_refusing_every_kind_of_write_is_one_group_with_each_kinds_share() -> None:
    """Every write after 3 s answered 403 in the same words, whatever its kind: one cause, stated whole,
    each kind's share beside it (a review found it shown as three causes, one per kind)."""
    kinds = ("patch_line", "add_movement", "populate")
    refused = [patch_op(n, LINE, 3.0 + n / 10, kind=kinds[n % 3], type="fail", status=403, body={"detail": PERMISSION})
               for n in range(2, 32)]  # fmt: skip
    report = _report(_only_writes([patch_op(1, LINE, 1.0), *refused]))  # the write before: its event missing
    (group,) = [g for g in report.groups if g.name == "writes-refused"]
    assert group.count == 30, "the group counts what its line counts (a review found 1 beside '30 of 31')"
    assert group.summary == (
        f"30 of 31 writes (97 %) answered 403: {PERMISSION[:-1]} "
        "(add_movement 10 of 10, patch_line 10 of 11, populate 10 of 10)"
    )
    (finding,) = [f for f in check(_only_writes([patch_op(1, LINE, 1.0), *refused]), Contract()).findings
                  if f.name == "writes-refused"]  # fmt: skip
    assert finding.message.startswith(f"30 of 31 writes (97%) answered 403: {PERMISSION}")
    assert finding.actual["kinds"] == {"add_movement": [10, 10], "patch_line": [10, 11], "populate": [10, 10]}
    assert report.hints[0].startswith(f"the token's user may not write (30 of 31 writes answered 403: {PERMISSION}")


def test_refusals_in_different_words_are_different_causes_and_one_kinds_line_names_its_kind() -> None:
    """The control: a quantity rule and a missing field, both 400, are two causes."""
    quantity = [patch_op(n, LINE, 1.0 + n / 10, type="fail", status=400, body={"counted_full_units": ["too many"]})
                for n in range(1, 4)]  # fmt: skip
    field = [patch_op(n, LINE, 1.0 + n / 10, kind="add_movement", type="fail", status=400,
                      body={"movement_type": ["This field is required."]}) for n in range(4, 6)]  # fmt: skip
    report = _report(_only_writes([*quantity, *field]))
    assert sorted(g.summary for g in report.groups) == [
        "2 of 2 add_movement writes (100 %) answered 400: movement_type: This field is required.",
        "3 of 3 patch_line writes (100 %) answered 400: counted_full_units: too many",
    ]


def test_one_html_error_page_for_every_kind_of_call_is_one_server_error_group() -> None:
    """The database down: every call answered the same 500 page, whatever it was."""
    page = "<html><head><title>OperationalError at /api/</title></head><body>could not connect</body></html>"
    failed = [patch_op(n, LINE, 1.0 + n / 10, kind=("patch_line", "get_line")[n % 2], type="fail", status=500,
                       body=page) for n in range(1, 7)]  # fmt: skip
    (group,) = _report(_only_writes(failed)).groups
    assert (
        group.summary
        == "6 of 6 calls (100 %) answered 500: OperationalError at /api/ (get_line 3 of 3, patch_line 3 of 3)"
    )


def test_ten_identical_server_errors_about_different_lines_are_one_group() -> None:
    """The server's words differ only in ids: one cause. Another error is another group."""
    failed = [
        patch_op(n, {**LINE, "id": 1700 + n}, 1.0 + n / 100, type="fail", status=500,
                 body={"detail": f"TypeError at /stocktake-lines/{1700 + n}/: unsupported operand type(s) for +"})
        for n in range(1, 11)
    ]  # fmt: skip
    other = patch_op(11, LINE, 2.0, type="fail", status=500, body={"detail": "IntegrityError: NOT NULL failed"})
    report = _report(_only_writes([*failed, other, patch_op(12, LINE, 2.5, type="fail", status=403, body={})]))
    server = [g for g in report.groups if g.name == "server-error"]
    assert [g.count for g in server] == [10, 1]
    assert server[0].summary == (
        "10 of 12 patch_line writes (83 %) answered 500: TypeError at /stocktake-lines/1701/: "
        "unsupported operand type(s) for +"
    )
    assert server[1].summary == "1 of 12 patch_line writes (8 %) answered 500: IntegrityError: NOT NULL failed"
    assert normalised("TypeError at /lines/1701/ (0x7f3a)") == normalised("TypeError at /lines/99/ (0x9c)")


def test_accepted_intrusions_are_one_group_per_call_kind_with_their_share() -> None:
    def intrusion(n: int, kind: str, status: int) -> object:
        return patch_op(n, LINE, 1.0 + n / 100, kind=kind, actor="intruder", actor_hotel="hotel-galway",
                        type="ok" if status == 200 else "fail", status=status)  # fmt: skip

    calls = [intrusion(n, "get_line", 200) for n in range(1, 57)] + [intrusion(57, "get_line", 404)]
    report = _report(_only_writes(calls))
    (group,) = report.groups
    assert group.summary == (
        "56 of 57 intruder get_line calls of hotel-galway on hotel-killarney's data (98 %) were accepted "
        "(expected 403 or 404)"
    )
    assert group.count == 56 and "intruder of hotel-galway was allowed get_line" in group.example


def test_intrusions_of_every_kind_by_one_hotel_on_another_are_one_group_with_each_kinds_share() -> None:
    """Data scoped by the URL's hotel alone: one missing filter lets reads and writes through alike (a
    review found one group per kind of call)."""
    calls = [patch_op(n, LINE, 1.0 + n / 100, kind=("get_line", "patch_line")[n % 2], actor="intruder",
                      actor_hotel="hotel-galway", type="ok" if n % 3 else "fail", status=200 if n % 3 else 404)
             for n in range(1, 13)]  # fmt: skip
    (group,) = [g for g in _report(_only_writes(calls)).groups if g.name == "cross-hotel-access"]
    assert group.summary == (
        "8 of 12 intruder calls of hotel-galway on hotel-killarney's data (67 %) were accepted (expected 403 or 404) "
        "(get_line 4 of 6, patch_line 4 of 6)"
    )


def test_one_injected_fault_is_one_group_with_what_it_explains_under_it() -> None:
    """Two writes whose events the Pusher server dropped for two listeners, and the views that diverged:
    one group named by the fault, with its whole, and the divergence shown under it."""
    history = healthy()
    second = {**LINE, "counted_partial_units": "46.50", "counted_qty": "222.5000"}
    history.operations.append(patch_op(2, second, 2.0, socket_id="3.3"))
    history.observations = [o for o in history.observations if o.kind != "receipt"]
    history.observations[-1] = Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [second]})
    for socket, at in (("1.1", 1.1), ("1.1", 2.1), ("2.2", 2.1)):
        history.observations.append(Observation("injected-fault", at, socket_id=socket, channel=DETAIL,
                                                event="line-counted-updated", data={"kind": "drop"}))  # fmt: skip
    report = _report(history)
    (group,) = report.groups
    assert group.summary == (
        "pusher-drop: 3 missing-event deliveries of line-counted-updated to 2 listeners, from 2 writes "
        "(operations 1, 2)"
    )
    assert group.faults == ["pusher-drop"] and group.consequences == {"divergence": 1}
    assert group.explains == "it explains 1 divergence"
    assert {f.group for f in report.findings} == {0} and len(report.findings) == 4


def test_a_finding_whose_cause_is_set_is_shown_under_its_cause_never_alone() -> None:
    history = healthy()
    server_error(history)
    facts = RunFacts.of(history)
    error = Finding("server-error", "operation 3 (patch_line) answered 502", operation=3)
    lost = Finding("missing-event", "viewer never got it", DETAIL, "line-counted-updated", 3, "viewer",
                   cause="server-error of operation 3")  # fmt: skip
    stray = Finding("self-echo", "an echo", DETAIL, "line-counted-updated", 1, "counter-1-browser",
                    cause="stale payload from a write nobody made")  # fmt: skip
    grouped = grouping([lost, error, stray], 1.0, facts)
    assert [(g.name, g.count, g.consequences) for g in grouped.groups] == [
        ("server-error", 1, {"missing-event": 1}),
        ("self-echo", 1, {}),
    ]
    assert grouped.of == [0, 0, 1], "a cause in no group still shows its finding, named by the cause"
    assert grouped.groups[1].summary.startswith("stale payload from a write nobody made: 1 self-echo")


def test_a_server_error_told_again_as_write_despite_error_is_one_group() -> None:
    history = healthy()
    stored = {**LINE, "counted_partial_units": "7.77"}
    request = {"stocktake_id": 5, "line_id": LINE["id"], "body": {"counted_partial_units": "7.77"}}
    history.operations.append(patch_op(6, LINE, 3.0, type="fail", status=500, body=None, request=request))
    history.observations[-1] = Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [stored]})
    report = _report(history)
    assert sorted(f.name for f in report.findings if f.name != "divergence") == ["server-error", "write-despite-error"]
    top = report.groups[0]
    assert top.name == "write-despite-error" and top.consequences.get("server-error") == 1
    assert top.summary.startswith("1 of 2 patch_line writes (50 %) answered 500: ")
    assert top.summary.endswith(", yet their change is visible")


def test_groups_and_membership_account_for_every_finding() -> None:
    history = healthy()
    missing(history)
    history.operations += [replace(history.operations[0], id=n, invoke=1.0 + n) for n in range(2, 6)]
    result = check(history, Contract())
    grouped = grouping(result.findings, 1.0, RunFacts.of(history))
    assert len(grouped.of) == len(result.findings) > 0
    assert sum(g.count + sum(g.consequences.values()) for g in grouped.groups) == len(result.findings)
    (group,) = grouped.groups
    assert group.summary.startswith("5 missing-event deliveries of line-counted-updated to 1 listener, from 5 writes")


def test_writes_accepted_after_approval_are_one_group_over_the_writes_sent_after_it() -> None:
    history = healthy()
    locked_write(history)
    history.operations.append(patch_op(2, LINE, 2.0, type="fail", status=409, body={"detail": "Stocktake is locked."}))
    group = next(g for g in _report(history).groups if g.name == "locked-write-accepted")
    assert group.summary == (
        "1 of 2 patch_line writes sent after their stocktake's approval (50 %) were accepted (expected 409)"
    )


def test_findings_several_faults_may_explain_are_grouped_by_finding_too() -> None:
    """A duplicate on a write a backend fault bent, at a listener the Pusher server dropped events to:
    which fault made which finding is not known, so the missing and the duplicate events stay apart."""
    both = ["double-broadcast on operation 1", "pusher-drop of line-counted-updated to viewer"]
    lost = Finding("missing-event", "viewer never got it", DETAIL, "line-counted-updated", 1, "viewer")
    again = Finding("duplicate-event", "viewer got it again", DETAIL, "line-counted-updated", 1, "viewer")
    alone = Finding("duplicate-event", "viewer got it again", DETAIL, "line-counted-updated", 2, "viewer")
    grouped = grouping([lost, again, alone], 1.0, None, [both, both, both[:1]])
    assert sorted((g.name, g.count, tuple(g.faults)) for g in grouped.groups) == [
        ("duplicate-event", 1, ("double-broadcast",)),
        ("duplicate-event", 1, ("double-broadcast", "pusher-drop")),
        ("missing-event", 1, ("double-broadcast", "pusher-drop")),
    ]


def test_triggers_refused_for_one_secret_are_one_group_whatever_the_event_with_the_lost_events_under_it() -> None:
    """The backend's stale secret: every trigger refused (401), of every event; the events they carried
    are missing. One cause (a review found one group per event name beside the missing events')."""
    history = healthy()
    missing(history)
    trigger_refused(history)
    later = Observation("trigger-rejected", 1.2, channel=DETAIL, event="line-movement-added",
                        data={"status": 401, "kind": "bad-signature", "message": "Invalid signature"})  # fmt: skip
    history.observations.append(later)
    report = _report(history)
    (group,) = report.groups
    assert group.name == "trigger-refused" and group.count == 2
    assert group.summary == "2 x trigger-refused of 2 events (line-counted-updated 1, line-movement-added 1)"
    assert group.consequences == {"missing-event": 1}
