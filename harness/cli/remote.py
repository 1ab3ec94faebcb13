"""The target of `stocksync run` from its flags, the environment and a config file, read before the
stack, the runner and the checker are imported: a mistake in them is told at once."""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource
from rich.console import Console

from ..errors import UsageError
from ..run.settings import ENV, FLAG, TargetSettings, merge
from ..run.target import Target
from ..spec.contract import Contract
from ..spec.faults import FaultSelection


def remote_target(
    selection: FaultSelection, target_flags: dict[str, Any], contract: Contract, console: Console
) -> Target | None:
    """The remote target, if any (None: the embedded stack); refuses faults aimed at a remote, and
    says what it talks to."""
    config_file = target_flags.pop("config_file", None)
    settings = merge(target_flags, config_file, _sources(target_flags))
    remote = Target.from_settings(settings, contract)
    if remote is not None and selection.names:
        raise UsageError("faults can only be injected into the embedded stack; drop --fault or --target")
    if remote is not None:
        _say_endpoints(console, settings, remote)
    return remote


def _sources(flags: dict[str, Any]) -> dict[str, int]:
    """Which settings came from the command line and which from the environment (click knows)."""
    ctx = click.get_current_context()
    return {name: ENV if ctx.get_parameter_source(name) == ParameterSource.ENVIRONMENT else FLAG for name in flags}


def _say_endpoints(console: Console, settings: TargetSettings, remote: Target) -> None:
    """The first lines of a target run: what it talks to, and where each of those settings came from."""
    pusher = "pusher_cluster" if settings.pusher_cluster else "pusher_host"
    console.print(
        f"target: {remote.base_url} as hotel {remote.hotel!r} "
        f"({settings.describe('target')}, {settings.describe('hotel')})",
        highlight=False,
    )
    console.print(f"pusher: {remote.pusher.url()} ({settings.describe(pusher)})", highlight=False)
