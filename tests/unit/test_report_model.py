"""The report links causes and consequences: injected faults and lost events explain findings."""

from __future__ import annotations

from rich.console import Console

from harness.checks import check
from harness.record.history import Observation
from harness.report.console import print_summary
from harness.report.groups import group_findings
from harness.report.html import render_html
from harness.report.model import build_report
from harness.spec.contract import Contract
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
    (group,) = report.groups
    assert group.name == "missing-event" and group.consequences == {"divergence": 1}, "shown under its cause"
    assert {f.group for f in report.findings} == {0}


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
    assert group.summary == (
        "4 late-event deliveries of line-counted-updated to 1 listener, from 4 writes (operations 2-5), up to 3.0 s"
    )


def _every_other_late(late: set[int], lost: frozenset[int] = frozenset()) -> list:
    """Twelve writes, 2 s apart (the limit 1 s), each delivered 1.6 s late if in `late`, never if in
    `lost`, else at once."""
    history = healthy()
    history.observations = [o for o in history.observations if o.kind not in ("receipt", "truth", "snapshot")]
    history.operations = []
    for n in range(1, 13):
        line = {**LINE, "counted_partial_units": f"{50 + n}.00"}
        history.operations.append(patch_op(n, line, 2.0 * n))
        if n not in lost:
            history.observations.append(receipt("viewer", 2.0 * n + (1.6 if n in late else 0.1), event_text(line)))
    history.observations.append(Observation("truth", 40.0, data={"stocktake_id": 5, "lines": [line]}))
    history.observations.sort(key=lambda o: o.time)
    return build_report(history, check(history, Contract()), [], 1.0).groups


def test_a_backend_late_on_every_write_is_one_group_however_far_apart_its_writes() -> None:
    """Every write's event 1.6 s late, the writes 2 s apart: one cause (a slow trigger), not one group per
    write (a review found twelve)."""
    (group,) = _every_other_late(set(range(1, 13)))
    assert group.summary == (
        "12 late-event deliveries of line-counted-updated to 1 listener, from 12 writes (operations 1-12), up to 1.6 s"
    )


def test_a_write_whose_event_was_lost_between_late_ones_does_not_split_their_group() -> None:
    """Lost is not on time: the backend late on every write it delivered is still one cause."""
    late = next(g for g in _every_other_late(set(range(1, 13)) - {6}, frozenset({6})) if g.name == "late-event")
    assert late.operations == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]


def test_writes_delivered_on_time_between_late_ones_tell_two_stalls_apart() -> None:
    """The control: writes 1-3 late, 4-8 on time, 9-12 late: two stalls, two groups."""
    groups = _every_other_late({1, 2, 3, 9, 10, 11, 12})
    assert sorted(g.operations for g in groups) == [[1, 2, 3], [9, 10, 11, 12]]


def test_frames_outside_the_protocol_are_shown_with_their_listener_and_counted_per_listener() -> None:
    """Not judged (an event lost with one is a missing-event), but never silent: the count, the first
    frames with their error, and each listener's own count, in every format."""
    history = healthy()
    history.observations.append(Observation("listener", 0.0, "viewer", data={"kind": "asyncio", "channels": [DETAIL]}))
    clean = build_report(history, check(history, Contract()), [], 1.0)
    assert clean.frame_errors == 0 and clean.listeners["viewer"]["frame_errors"] == 0
    assert "Frames outside the protocol" not in render_html(clean)
    for n in range(12):
        bad = {"frame": f"<html>{n}", "error": "ValueError: not JSON"}
        history.observations.append(Observation("frame-error", 1.0 + n / 100, "viewer", "1.1", data=bad))
    report = build_report(history, check(history, Contract()), [], 1.0)
    assert report.frame_errors == 12 and report.listeners["viewer"]["frame_errors"] == 12
    assert [f["frame"] for f in report.frame_errors_shown] == [f"<html>{n}" for n in range(10)]
    assert report.frame_errors_shown[0]["listener"] == "viewer"
    page = render_html(report)
    assert "Frames outside the protocol" in page and "&lt;html&gt;0" in page and "The first 10" in page
    console = Console(record=True, width=200)
    print_summary(report, console)
    assert "12 frame(s) outside the Pusher protocol, first to viewer: ValueError: not JSON" in console.export_text()
    assert report.verdict == "PASS", "shown, not judged: the lost event, if any, is the finding"


def test_hostile_text_from_the_server_is_escaped_in_report_html() -> None:
    """Event names, payloads and frames come from the system under test: the page shows them as text."""
    history = healthy()
    history.observations.append(
        receipt("viewer", 1.3, '{"x": "<img src=x onerror=alert(1)>"}', event="<script>evil()</script>")
    )
    history.observations.append(Observation("frame-error", 1.4, "viewer", "1.1",
                                            data={"frame": "<b>bold</b>", "error": "ValueError: <i>"}))  # fmt: skip
    report = build_report(history, check(history, Contract()), [], 1.0)
    assert any(f.name == "unexpected-event" for f in report.findings)
    page = render_html(report)
    assert "<script>evil()" not in page and "&lt;script&gt;evil()&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "–" in page, "the dash for an empty field is text, not an escaped entity"
