"""Options more than one command takes, declared once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from ..spec import faults as fault_catalogue

F = TypeVar("F", bound=Callable[..., Any])
PORT = click.IntRange(0, 65535)
SEED = click.IntRange(0, 2**63 - 1)


class GivenPath(click.Path):
    """A path that was really given: click turns '' into '.', so `--out ''` would write into the
    current folder; an empty value is refused (exit 2) instead."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("an empty path names no file; give a path ('.' for the current folder)", param, ctx)
        return super().convert(value, param, ctx)


def fault_option(help_text: str) -> Callable[[F], F]:
    return click.option("--fault", "fault_names", multiple=True, metavar="NAME[=RATE]", help=help_text)


def seed_option(help_text: str) -> Callable[[F], F]:
    return click.option("--seed", default=7, show_default=True, type=SEED, help=help_text)


def fault_selection(values: Iterable[str]) -> fault_catalogue.FaultSelection:
    """A bad --fault is click's own usage error (exit 2, naming the option)."""
    try:
        return fault_catalogue.select(values)
    except fault_catalogue.UnknownFault as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None


@dataclass(frozen=True)
class Output:
    """Where a run's or a check's verdict goes besides the exit code."""

    out: Path | None = None
    junit: Path | None = None
    json: bool = False
    quiet: bool = False

    def console(self) -> Console:
        return Console(stderr=True, quiet=self.quiet)


def output_options(command: F) -> F:
    """--out, --junit, --json, --quiet: what a CI step needs to know where the reports are."""
    for option in reversed(
        (
            click.option(
                "--out",
                type=GivenPath(file_okay=False, path_type=Path),
                help="Write the reports exactly here (no timestamped folder).",
            ),
            click.option(
                "--junit",
                type=GivenPath(dir_okay=False, path_type=Path),
                help="Also write the JUnit XML to this path.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout."),
            click.option("--quiet", "-q", is_flag=True, help="No progress and no summary: the exit code says it."),
        )
    ):
        command = option(command)
    return command
