"""`stocksync compare OLD NEW`: what got worse between two runs; exit 1 on a regression."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ..errors import UsageError
from ..exit_codes import EXIT_FINDINGS, EXIT_PASS
from ..input_files import read_text
from ..report.compare import compare, readable
from .options import GivenPath

MAX_REPORT_BYTES = 1 << 30  # a report of a long run with every finding listed is large, but not this


def _report(path: Path) -> dict[str, Any]:
    target = path / "report.json" if path.is_dir() else path
    text = read_text(target, "report", UsageError, MAX_REPORT_BYTES)
    try:
        loaded = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{target}: not a readable report.json ({exc})") from None
    except RecursionError:
        raise UsageError(f"{target}: not a stocksync report.json (nested too deeply)") from None
    if not isinstance(loaded, dict) or "verdict" not in loaded:
        raise UsageError(f"{target}: not a stocksync report.json (no verdict)")
    return readable(loaded, str(target))


def _finite(_ctx: click.Context, _param: click.Parameter, value: float) -> float:
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite share")
    return value


@click.command("compare")
@click.argument("old", type=GivenPath(exists=True, path_type=Path))
@click.argument("new", type=GivenPath(exists=True, path_type=Path))
@click.option(
    "--p99-rise",
    type=click.FloatRange(0, 1000),
    callback=_finite,
    default=0.2,
    show_default=True,
    help="A p99 latency rise above this share (and 20 ms) is a regression; with under 2,000 "
    "deliveries, the highest percentile with 20 above it is compared instead.",
)
def compare_command(old: Path, new: Path, p99_rise: float) -> None:
    """Compare two runs' report.json (or their folders): new findings, a verdict that fell, a check
    no longer judged, p99 latency up. Exit 1 on a regression, 0 otherwise."""
    changes = compare(_report(old), _report(new), p99_rise)
    console = Console(stderr=True)
    if changes:
        table = Table("what", "before", "after", "", title="changes", title_justify="left")
        for change in changes:
            table.add_row(
                change.what,
                str(change.before),
                str(change.after),
                "[red]worse[/]" if change.regression else "[green]ok[/]",
            )
        console.print(table)
    regressions = [c for c in changes if c.regression]
    console.print(f"{len(regressions)} regression(s)" if regressions else "no regression", highlight=False)
    sys.exit(EXIT_FINDINGS if regressions else EXIT_PASS)
