"""The target flags of `stocksync run`, generated from the one settings table (`harness.run.settings`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..run.settings import SETTINGS
from .options import GivenPath


def target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for setting in reversed(SETTINGS):
        if setting.boolean:
            flag = f"{setting.flag}/--no-{setting.flag.removeprefix('--')}"
            option = click.option(
                flag, setting.name, default=None, envvar=setting.env, show_envvar=True, help=setting.help
            )
        else:
            option = click.option(setting.flag, setting.name, envvar=setting.env, show_envvar=True, help=setting.help)
        command = option(command)
    command = click.option(
        "--config",
        "config_file",
        type=GivenPath(dir_okay=False, path_type=Path),
        envvar="STOCKSYNC_CONFIG",
        help="TOML file with a [target] table of these settings.",
    )(command)
    command = click.option("--dry-run", is_flag=True, help="Target mode: print the plan and touch nothing.")(command)
    return click.option("--keep", is_flag=True, help="Target mode: leave the run's stocktakes for inspection.")(command)
