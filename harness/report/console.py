"""The console summary: one table of checks, then the first findings in plain words."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .model import Report

SHOWN = 10


def print_summary(report: Report, console: Console, report_dir: str | None = None) -> None:
    table = Table(title=f"stocksync {report.scenario}: {report.verdict}", title_style="bold")
    table.add_column("check")
    table.add_column("findings", justify="right")
    for check in report.checks:
        style = "green" if not check.count else ("yellow" if check.severity == "warning" else "red")
        table.add_row(f"[{style}]{check.name}[/]", str(check.count))
    console.print(table)
    counts, latency = report.counts, report.latency.all
    console.print(
        f"{counts['operations']} operations, {counts['receipts']} deliveries "
        f"(p50 {latency.p50} ms, p99 {latency.p99} ms), {counts['findings']} findings "
        f"in {report.duration_s} s"
    )
    for finding in report.findings[:SHOWN]:
        colour = "yellow" if finding.severity == "warning" else "red"
        console.print(f"  [{colour}]{finding.name}[/]: {finding.message}", highlight=False)
    if len(report.findings) > SHOWN:
        console.print(f"  ... and {len(report.findings) - SHOWN} more")
    if report_dir:
        console.print(f"reports: {report_dir}")
    verdict_style = "bold green" if report.verdict == "PASS" else "bold red"
    console.print(f"[{verdict_style}]{report.verdict}[/]")
