"""What the console, report.html and junit.xml say first: the hint, then every error group, then the
warnings; the three show the same groups in the same order."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from rich.console import Console

from harness.checks import check
from harness.record.history import HistoryData
from harness.report.console import GROUPS_SHOWN, print_summary
from harness.report.html import render_html
from harness.report.junit import render_junit
from harness.report.model import Report, build_report
from harness.spec.contract import Contract
from tests.histories import LINE, healthy, near_limit, patch_op, unexpected_event


def _report(history: HistoryData) -> Report:
    return build_report(history, check(history, Contract()), [], 1.0)


def _console(report: Report) -> list[str]:
    console = Console(record=True, width=400)
    print_summary(report, console)
    return [line for line in console.export_text().splitlines() if line.strip()]


def _many_causes(errors: int) -> HistoryData:
    """A drifted event name (a hint), a payload near the limit (a warning), and `errors` distinct server
    errors (their words differ in letters, not numbers: distinct causes)."""
    history = healthy()
    unexpected_event(history)
    near_limit(history)
    for n in range(errors):
        word = "".join(chr(ord("a") + int(d)) for d in f"{n:02d}")
        history.operations.append(
            patch_op(20 + n, LINE, 3.0 + n / 10, type="fail", status=500, body={"detail": f"Error {word}"})
        )
    return history


def test_the_hint_comes_first_then_every_error_group_then_warnings() -> None:
    report = _report(_many_causes(3))
    assert report.suggested_contract is not None
    lines = _console(report)
    assert lines[0].startswith("what to do: the run wrote contract.suggested.toml")
    assert 'add line-counted-updated = "line_counted_updated" under [events]' in "\n".join(lines), "text, not markup"
    groups = [i for i, line in enumerate(lines) if line.startswith("  ") and not line.startswith("    ")]
    told = [lines[i].strip() for i in groups]
    assert told == [("warning: " if g.severity == "warning" else "") + g.summary for g in report.groups]
    severities = [g.severity for g in report.groups]
    assert severities == sorted(severities) and severities[-1] == "warning", "errors, then warnings"
    assert report.groups[0].name == "server-error" and report.groups[0].summary.startswith("1 of 5 patch_line")
    unexpected = next(g for g in report.groups if g.name == "unexpected-event")
    assert unexpected.consequences == {"missing-event": 1}, "the event missed under its contract name"


def test_no_hint_no_hint_line() -> None:
    history = healthy()
    near_limit(history)
    lines = _console(_report(history))
    assert not any(line.startswith("what to do") for line in lines)


def test_past_twenty_groups_the_console_says_how_many_more_are_in_report_html() -> None:
    report = _report(_many_causes(GROUPS_SHOWN + 5))
    lines = _console(report)
    shown = [line for line in lines if line.startswith("  ") and not line.startswith("    ")]
    assert len(shown) == GROUPS_SHOWN + 1
    assert shown[-1].strip() == f"... {len(report.groups) - GROUPS_SHOWN} more group(s) in report.html"


def test_report_html_and_junit_show_the_same_groups_in_the_same_order() -> None:
    report = _report(_many_causes(4))
    expected = [g.summary for g in report.groups]
    page = render_html(report)
    prefix = r'<details class="group".*?<span class="\w+">(?:warning: |inconclusive: )?'
    told = re.findall(prefix + r"(.*?)</span>", page, re.S)
    in_page = [html.unescape(s) for s in told]
    assert in_page == expected
    assert "What to do first" in page and page.index("What to do first") < page.index('id="group-1"')
    suite = ET.fromstring(render_junit(report))
    verdict = next(c for c in suite.iter("testcase") if c.get("name") == "verdict")
    failure = verdict.find("failure")
    assert failure is not None and failure.text is not None
    assert failure.get("message", "").startswith(f"FAIL: {sum(g.severity == 'error' for g in report.groups)} cause(s)")
    numbered = re.findall(r"^\d+\. (?:warning: |inconclusive: )?(.*)$", failure.text, re.M)
    assert numbered == expected
    assert failure.text.startswith("what to do: the run wrote contract.suggested.toml")
    server = next(c for c in suite.iter("testcase") if c.get("name") == "server-error").find("failure")
    assert server is not None and server.get("message", "").startswith(
        "4 x server-error (of 6 judged): 1 of 6 patch_line"
    )
