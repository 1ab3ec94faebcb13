"""The console summary: the verdict and why, passing checks on one line, failing ones in a table,
then the findings grouped by cause. Fits 80 columns."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .model import Report

GROUPS_SHOWN = 10
STYLE = {"PASS": "bold green", "FAIL": "bold red", "INCONCLUSIVE": "bold yellow"}


def print_summary(report: Report, console: Console, report_dir: str | None = None) -> None:
    passed = [f"{c.name} ({c.judged})" for c in report.checks if c.status == "passed"]
    unjudged = [c.name for c in report.checks if c.status == "not judged"]
    flagged = [c for c in report.checks if c.count]
    console.print(
        f"[bold]stocksync {report.scenario or '(no scenario recorded)'}[/]: {len(report.checks)} checks",
        highlight=False,
    )
    if passed:
        console.print(f"[green]passed[/] (items judged): {', '.join(passed)}", highlight=False)
    if unjudged:
        console.print(
            f"[yellow]not judged[/] (nothing to hold against the contract): {', '.join(unjudged)}", highlight=False
        )
    if flagged:
        table = Table("check", "judged", "findings", title="checks with findings", title_justify="left")
        for check in flagged:
            colour = "yellow" if check.severity == "warning" else "red"
            table.add_row(f"[{colour}]{check.name}[/]", str(check.judged), str(check.count))
        console.print(table)
    for group in report.groups[:GROUPS_SHOWN]:
        warning = group.severity == "warning"
        console.print(
            f"  [{'yellow' if warning else 'red'}]{'warning: ' if warning else ''}{group.summary}[/]", highlight=False
        )
    if len(report.groups) > GROUPS_SHOWN:
        console.print(f"  ... and {len(report.groups) - GROUPS_SHOWN} more group(s) in report.json")
    if report.frame_errors:
        first = report.frame_errors_shown[0]
        console.print(
            f"[yellow]{report.frame_errors} frame(s) outside the Pusher protocol[/], first to {first.get('listener')}: "
            f"{first.get('error')} (listeners listened on; report.json frame_errors_shown)",
            highlight=False,
        )
    counts, latency = report.counts, report.latency.all
    delivered = f"p50 {latency.p50} ms, p99 {latency.p99} ms" if latency.count else "none matched"
    console.print(
        f"{counts['operations']} operations, {counts['receipts']} deliveries ({delivered}), "
        f"{counts['findings']} findings in {report.duration_s} s",
        highlight=False,
    )
    if report_dir:
        console.print(f"reports: {report_dir}", highlight=False)
    console.print(
        f"[{STYLE.get(report.verdict, 'bold')}]{report.verdict}[/]"
        + (f": {'; '.join(report.reasons)}" if report.reasons else ""),
        highlight=False,
    )
