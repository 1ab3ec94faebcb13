"""User mistakes, turned into one clear line and exit code 2 (click's own usage errors are 2 too)."""

from __future__ import annotations

from collections.abc import Iterable

import click

from . import faults as fault_catalogue

EXIT_FINDINGS, EXIT_USAGE = 1, 2


class UsageError(click.ClickException):
    exit_code = EXIT_USAGE


def fault_selection(values: Iterable[str]) -> fault_catalogue.FaultSelection:
    try:
        return fault_catalogue.select(values)
    except fault_catalogue.UnknownFault as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
