"""docs/findings.md is the one text of what a finding means and how to fix it: every finding the
checker can produce has its row, and the console, junit.xml, report.html and `stocksync findings`
give that fix beside the finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from click.testing import CliRunner
from rich.console import Console

from harness.checks import check
from harness.checks.findings import NAMES
from harness.cli import main
from harness.report.advice import advice, parse
from harness.report.console import print_summary
from harness.report.html import render_html
from harness.report.junit import render_junit
from harness.report.model import build_report
from harness.spec.contract import Contract
from tests.histories import healthy, missing


def test_every_finding_has_its_meaning_cause_and_fix_in_the_docs() -> None:
    known = advice()
    assert set(NAMES) <= set(known), f"docs/findings.md lacks {sorted(set(NAMES) - set(known))}"
    assert all(entry.meaning and entry.cause and entry.fix for entry in known.values())


def test_a_row_that_is_not_the_table_s_shape_is_not_read_as_a_finding() -> None:
    text = "| `a` | error | means | cause | fix |\n| `b` | too | few |\nprose with `c` in it\n"
    assert list(parse(text)) == ["a"]


def test_the_command_prints_a_finding_s_cause_and_fix_and_refuses_an_unknown_name() -> None:
    runner = CliRunner()
    one = runner.invoke(main, ["findings", "self-echo"])
    assert one.exit_code == 0 and f"how to fix it: {advice()['self-echo'].fix}" in one.output
    every = runner.invoke(main, ["findings"])
    assert every.exit_code == 0 and [line.split(" ")[0] for line in every.output.splitlines()] == list(advice())
    unknown = runner.invoke(main, ["findings", "self_echo"])
    assert unknown.exit_code == 2 and "no finding is named 'self_echo'" in unknown.output


def test_console_junit_and_html_give_the_fix_beside_the_findings() -> None:
    history = healthy()
    missing(history)
    report = build_report(history, check(history, Contract()), [], 1.0)
    assert report.verdict == "FAIL"
    fix = advice()["missing-event"].fix
    console = Console(record=True, width=400)
    print_summary(report, console)
    assert "\nwhat a finding means and how to fix it: stocksync findings NAME" in console.export_text()
    verdict = next(c for c in ET.fromstring(render_junit(report)).iter("testcase") if c.get("name") == "verdict")
    failure = verdict.find("failure")
    assert failure is not None and f"how to fix missing-event: {fix}" in (failure.text or "")
    assert "how to fix it:" in render_html(report)


def test_a_passing_run_gives_no_advice() -> None:
    report = build_report(healthy(), check(healthy(), Contract()), [], 1.0)
    console = Console(record=True, width=400)
    print_summary(report, console)
    assert report.verdict == "PASS" and "stocksync findings" not in console.export_text()
    assert "how to fix it:" not in render_html(report)
