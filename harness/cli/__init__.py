"""`stocksync`: thin click commands over the stack, the runner, the checker and the reports.

Exit codes: 0 no findings, 1 findings and nothing else, 2 usage or configuration errors (click's own
usage errors are 2 as well), 3 inconclusive (a run that proved nothing, or the harness's own failure
after play), 130 interrupted before any report was written. Every `StocksyncError` becomes one line on
stderr and its exit code here, in `StocksyncGroup.invoke`, and nowhere else: commands raise, they
never format.

The commands are imported when one is chosen, inside `StocksyncGroup.invoke`: importing them all
takes seconds on a busy machine, and a Ctrl-C in those seconds is then a clean exit 130 like any
other interrupt before play, not a traceback from deep inside an import.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

from ..exit_codes import EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_USAGE

INTERRUPTED = "interrupted: no report was written"


def _interrupted_early(_signum: int, _frame: FrameType | None) -> None:
    sys.stderr.write(INTERRUPTED + "\n")
    sys.exit(EXIT_INTERRUPTED)


# Started as `stocksync` or `python -m harness.cli`: a Ctrl-C while the imports below load is a
# clean exit too (`StocksyncGroup.main` hands SIGINT back to Python's own handler).
if sys.argv and (sys.argv[0] == "-m" or Path(sys.argv[0]).name == "stocksync"):
    signal.signal(signal.SIGINT, _interrupted_early)

import importlib  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402

from ..errors import StocksyncError  # noqa: E402

# command -> (module, attribute) under harness.cli
COMMANDS = {
    "serve": ("serve", "serve_command"),
    "run": ("run", "run_command"),
    "check": ("check", "check_command"),
    "compare": ("compare", "compare_command"),
    "browsers": ("browsers", "browsers_command"),
    "findings": ("findings", "findings_command"),
}


class UserError(click.ClickException):
    exit_code = EXIT_USAGE


class InconclusiveError(click.ClickException):
    """The harness's own failure after play (`HarnessFailed`): one line, exit 3."""

    exit_code = EXIT_INCONCLUSIVE


class StocksyncGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if signal.getsignal(signal.SIGINT) is _interrupted_early:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        return super().main(*args, **kwargs)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StocksyncError as exc:
            raise (InconclusiveError if exc.exit_code == EXIT_INCONCLUSIVE else UserError)(str(exc)) from None
        except KeyboardInterrupt:
            # Ctrl-C before a run plays (starting the stack, reading files) or while a history is read.
            click.echo(INTERRUPTED, err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=StocksyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stocktake-sync-harness")
def main() -> None:
    """Prove that stocktake changes reach every other viewer through Pusher."""
