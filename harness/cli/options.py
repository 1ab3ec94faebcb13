"""Options more than one command takes, declared once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from .. import faults as fault_catalogue

F = TypeVar("F", bound=Callable[..., Any])
PORT = click.IntRange(0, 65535)


def fault_option(help_text: str) -> Callable[[F], F]:
    return click.option("--fault", "fault_names", multiple=True, metavar="NAME[=RATE]", help=help_text)


def seed_option(help_text: str) -> Callable[[F], F]:
    return click.option("--seed", default=7, show_default=True, help=help_text)


def fault_selection(values: Iterable[str]) -> fault_catalogue.FaultSelection:
    """A bad --fault is click's own usage error (exit 2, naming the option)."""
    try:
        return fault_catalogue.select(values)
    except fault_catalogue.UnknownFault as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
