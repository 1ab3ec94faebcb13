"""`stocksync`: thin click commands over the stack, the runner, the checker and the reports.

Exit codes: 0 no findings, 1 findings, 2 usage or configuration errors (click's own usage
errors are 2 as well). Every `StocksyncError` becomes one line on stderr and exit 2 here,
in `StocksyncGroup.invoke`, and nowhere else: commands raise, they never format.
"""

from __future__ import annotations

from typing import Any

import click

from ..errors import StocksyncError
from ..exit_codes import EXIT_USAGE
from .browsers import browsers_command
from .compare import compare_command
from .run import check_command, run_command
from .serve import serve_command


class UserError(click.ClickException):
    exit_code = EXIT_USAGE


class StocksyncGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StocksyncError as exc:
            raise UserError(str(exc)) from None


@click.group(cls=StocksyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stocktake-sync-harness")
def main() -> None:
    """Prove that stocktake changes reach every other viewer through Pusher."""


main.add_command(serve_command)
main.add_command(run_command)
main.add_command(check_command)
main.add_command(compare_command)
main.add_command(browsers_command)
