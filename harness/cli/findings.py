"""`stocksync findings [NAME]`: what a finding means, its typical cause and how to fix it."""

from __future__ import annotations

import click

from ..errors import UsageError
from ..report.advice import advice


@click.command("findings")
@click.argument("name", required=False)
def findings_command(name: str | None) -> None:
    """Every finding with what it means, or NAME's meaning, typical cause and fix (docs/findings.md)."""
    known = advice()
    if name is None:
        for entry in known.values():
            click.echo(f"{entry.name} ({entry.severity}): {entry.meaning}")
        return
    if name not in known:
        raise UsageError(f"no finding is named {name!r}; the findings are: {', '.join(known)}")
    entry = known[name]
    click.echo(
        f"{entry.name} ({entry.severity})\nwhat it means: {entry.meaning}\n"
        f"a typical cause: {entry.cause}\nhow to fix it: {entry.fix}"
    )
