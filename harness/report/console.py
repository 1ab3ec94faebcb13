"""The console summary: what to do first (when the run's setup needs a fix), the verdict and why,
passing checks on one line, failing ones in a table, then every error group by cause and the
warnings, each with one example. Fits 80 columns; the groups are report.html's, in its order."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .model import Report

GROUPS_SHOWN = 20
STYLE = {"PASS": "bold green", "FAIL": "bold red", "INCONCLUSIVE": "bold yellow"}


def print_summary(report: Report, console: Console, report_dir: str | None = None) -> None:
    passed = [f"{c.name} ({c.judged})" for c in report.checks if c.label == "passed"]
    unjudged = [c.name for c in report.checks if c.label == "not judged"]
    flagged = [c for c in report.checks if c.count]
    for hint in report.hints:
        console.print(f"[bold magenta]what to do:[/] {escape(hint)}", highlight=False)
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
    _groups(report, console)
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


def _groups(report: Report, console: Console) -> None:
    """Errors, then what leaves the run inconclusive, then warnings (the report's order): each group's
    line, one example, what it explains."""
    if report.groups:
        severities = Counter(g.severity for g in report.groups)
        told = ", ".join(f"{n} {severity} group(s)" for severity, n in severities.items())
        console.print(f"[bold]by cause[/]: {told}", highlight=False)
    for group in report.groups[:GROUPS_SHOWN]:
        error = group.severity == "error"
        console.print(
            f"  [{'red' if error else 'yellow'}]{'' if error else group.severity + ': '}{escape(group.summary)}[/]",
            highlight=False,
        )
        if group.example and group.example != group.summary:
            console.print(f"    [dim]e.g. {escape(group.example)}[/]", highlight=False)
        if group.explains:
            console.print(f"    [dim]{group.explains}, e.g. {escape(group.consequence_example)}[/]", highlight=False)
    if len(report.groups) > GROUPS_SHOWN:
        console.print(f"  ... {len(report.groups) - GROUPS_SHOWN} more group(s) in report.html", highlight=False)
    if report.groups:
        console.print("what a finding means and how to fix it: stocksync findings NAME", highlight=False)
