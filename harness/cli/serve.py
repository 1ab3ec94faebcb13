"""`stocksync serve`: the embedded stack alone, until SIGINT or SIGTERM."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import click

from ..errors import UsageError
from ..input_files import regular_file
from ..spec import faults as fault_catalogue
from .options import PORT, GivenPath, fault_option, fault_selection, seed_option


def _appendable(path: Path) -> None:
    """The fault log opened for appending now, so a path it cannot be written at is refused at start
    (exit 2) rather than failing every trigger that injects a fault. One that exists must be a regular
    file: opening a FIFO to write blocks until someone reads it."""
    if path.exists():
        regular_file(path, "fault log", UsageError)
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot append to the fault log {path}: {exc.strerror or exc}") from None


@click.command("serve")
@fault_option("Inject a fault (repeatable); see --list-faults.")
@click.option("--list-faults", is_flag=True, help="List the faults: name, scenario exposing it, description.")
@seed_option("Seed for the data and the fault RNGs.")
@click.option(
    "--pusher-port", default=0, show_default=True, type=PORT, help="Port of the Pusher server (0 = free port)."
)
@click.option(
    "--api-port", default=0, show_default=True, type=PORT, help="Port of the backend simulator (0 = free port)."
)
@click.option(
    "--private-channels",
    is_flag=True,
    help="Broadcast on private- channels; listeners authorise at the ready line's auth_endpoint.",
)
@click.option(
    "--fault-log",
    type=GivenPath(dir_okay=False, path_type=Path),
    help="Append every injected delivery fault to this JSONL file.",
)
def serve_command(
    fault_names: tuple[str, ...],
    list_faults: bool,
    seed: int,
    pusher_port: int,
    api_port: int,
    fault_log: Path | None,
    private_channels: bool,
) -> None:
    """Start the embedded Pusher server and backend simulator on 127.0.0.1.

    Once ready, prints one JSON line with what a client needs, then serves until
    SIGINT or SIGTERM.
    """
    if list_faults:
        click.echo(fault_catalogue.listing())
        return
    if fault_log is not None:
        _appendable(fault_log)
    from ..sim.stack import EmbeddedStack, StackOptions  # the stack's servers: not for --list-faults

    options = StackOptions(
        faults=fault_selection(fault_names),
        seed=seed,
        pusher_port=pusher_port,
        api_port=api_port,
        fault_log=fault_log,
        private_channels=private_channels,
    )
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
