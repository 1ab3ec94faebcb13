"""`stocksync`: a thin click shell over the stack, the runner and the checker.

Exit codes: 0 no findings, 1 findings, 2 usage or configuration errors (click's own
usage errors are 2 as well). User mistakes get a one-line message, never a traceback.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import click

from . import faults as fault_catalogue
from .commands import check_command, run_command
from .sim.stack import EmbeddedStack, StackOptions

from .usage import UsageError, fault_selection


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stocktake-sync-harness")
def main() -> None:
    """Prove that stocktake changes reach every other viewer through Pusher."""


@main.command()
@click.option("--fault", "fault_names", multiple=True, metavar="NAME[=RATE]",
              help="Inject a fault (repeatable); see --list-faults.")
@click.option("--list-faults", is_flag=True, help="List the faults: name, scenario exposing it, description.")
@click.option("--seed", default=7, show_default=True, help="Seed for the data and the fault RNGs.")
@click.option("--pusher-port", default=0, show_default=True, help="Port of the Pusher server (0 = free port).")
@click.option("--api-port", default=0, show_default=True, help="Port of the backend simulator (0 = free port).")
@click.option("--private-channels", is_flag=True,
              help="Broadcast on private- channels; listeners authorise at the ready line's auth_endpoint.")
@click.option("--fault-log", type=click.Path(dir_okay=False, path_type=Path),
              help="Append every injected delivery fault to this JSONL file.")
def serve(fault_names: tuple[str, ...], list_faults: bool, seed: int, pusher_port: int, api_port: int,
          fault_log: Path | None, private_channels: bool) -> None:
    """Start the embedded Pusher server and backend simulator on 127.0.0.1.

    Once ready, prints one JSON line with what a client needs, then serves until
    SIGINT or SIGTERM.
    """
    if list_faults:
        click.echo(fault_catalogue.listing())
        return
    options = StackOptions(faults=fault_selection(fault_names), seed=seed, pusher_port=pusher_port,
                           api_port=api_port, fault_log=fault_log, private_channels=private_channels)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stack = EmbeddedStack(options).start()
    except OSError as exc:
        raise UsageError(f"cannot start the embedded stack: {exc}") from None
    try:
        click.echo(json.dumps(stack.ready_info()))
        sys.stdout.flush()
        stop.wait()
    finally:
        stack.stop()
    click.echo("stopped", err=True)


main.add_command(run_command)
main.add_command(check_command)

if __name__ == "__main__":
    main()
