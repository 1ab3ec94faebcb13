"""The end of `stocksync run` and `stocksync check`: the report built, written where asked, summed up,
and the exit code; the harness's own failure here is exit 3 with what could be written, never 1."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console

from ..errors import HarnessFailed, StocksyncError, UsageError, one_line
from ..report import exit_code
from ..report.console import print_summary
from ..report.model import SHORT_SECRET_NOTE, Report
from ..report.publish import publish, write_junit
from .options import Output

REPORT_FILES = ("report.json", "junit.xml", "report.html", "contract.suggested.toml")


def refuse_overwrite(out: Path | None, junit: Path | None, force: bool) -> None:
    """Report files already at --out or --junit: exit 2 naming the first, unless --force. A re-check
    must never put its verdict over the run's own (a cut history's PASS over the run's FAIL)."""
    if force:
        return
    present = [out / name for name in REPORT_FILES] if out is not None else []
    for path in [*present, *([junit] if junit is not None else [])]:
        if os.path.lexists(path):
            raise UsageError(
                f"{path} exists and is never written over: use --report-dir for a new folder, or --force to replace it"
            )


def built(make: Callable[[], Report], kept: str) -> Report:
    """The report, or exit 3 naming what failed and where the recorded run is kept."""
    try:
        return make()
    except StocksyncError:
        raise
    except Exception as exc:  # the harness's own failure after the run: INCONCLUSIVE, with what is kept
        raise HarnessFailed(f"the report could not be built ({one_line(exc)}); {kept}") from None


def conclude(report: Report, directory: Path | None, output: Output, console: Console, strict: bool, kept: str) -> int:
    """Reports where asked, the summary unless quiet, report.json on stdout with --json; the exit code.
    Every output is attempted; any that failed make the run exit 3 after the others were written
    (`kept` says where the recorded run is)."""
    problems = []
    if report.meta.get("redaction") == SHORT_SECRET_NOTE:
        console.print(f"[yellow]{SHORT_SECRET_NOTE}[/]", highlight=False)
    if directory is None:
        print_summary(report, console)
    else:
        try:
            publish(report, directory, console, strict)
        except HarnessFailed as exc:
            problems.append(str(exc))
    if output.junit is not None:
        try:
            write_junit(report, output.junit)
        except HarnessFailed as exc:
            problems.append(str(exc))
    if output.json:
        click.echo(json.dumps(report.to_json_dict(), indent=2))
    if problems:
        raise HarnessFailed(f"the {report.verdict} report is incomplete: {'; '.join(problems)}; {kept}")
    return exit_code(report, strict)
