"""`stocksync`: thin click commands over the stack, the runner, the checker and the reports.

Exit codes: 0 no findings, 1 findings and nothing else, 2 usage or configuration errors (click's own
usage errors are 2 as well), 3 inconclusive (a run that proved nothing, or the harness's own failure
after play), 130 interrupted before anything was played. Every `StocksyncError` becomes one line on
stderr and its exit code here, in `StocksyncGroup.invoke`, and nowhere else: commands raise, they
never format.
"""

from __future__ import annotations

from typing import Any

import click

from ..errors import StocksyncError
from ..exit_codes import EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_USAGE
from .check import check_command
from .compare import compare_command
from .run import run_command
from .serve import serve_command


class UserError(click.ClickException):
    exit_code = EXIT_USAGE


class InconclusiveError(click.ClickException):
    """The harness's own failure after play (`HarnessFailed`): one line, exit 3."""

    exit_code = EXIT_INCONCLUSIVE


class StocksyncGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StocksyncError as exc:
            raise (InconclusiveError if exc.exit_code == EXIT_INCONCLUSIVE else UserError)(str(exc)) from None
        except KeyboardInterrupt:
            # Ctrl-C before a run plays (starting the stack, reading files): nothing to check or report.
            click.echo("interrupted: nothing was played", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=StocksyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stocktake-sync-harness")
def main() -> None:
    """Prove that stocktake changes reach every other viewer through Pusher."""


main.add_command(serve_command)
main.add_command(run_command)
main.add_command(check_command)
main.add_command(compare_command)
