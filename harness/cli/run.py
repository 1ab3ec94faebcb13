"""`stocksync run`: the command and its options; the run itself is `harness.cli.running`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..spec.contract import load_contract
from ..spec.scenario import load_scenario
from .options import GivenPath, Output, fault_option, fault_selection, output_options, seed_option
from .remote import remote_target
from .target_options import target_options

DEFAULT_REPORTS = Path("reports")


@click.command("run")
@click.argument("scenario", default="smoke")
@fault_option("Inject a fault into the embedded stack (repeatable); `stocksync serve --list-faults`.")
@click.option(
    "--report-dir",
    type=GivenPath(file_okay=False, path_type=Path),
    default=DEFAULT_REPORTS,
    show_default=True,
    help="Where the run's folder of reports goes.",
)
@seed_option("Seed for data, values and fault RNGs.")
@click.option(
    "--contract",
    "contract_file",
    type=GivenPath(dir_okay=False, path_type=Path),
    help="A contract TOML naming your channels and events (default: the seed contract).",
)
@click.option("--strict", is_flag=True, help="Warnings (public channels, planned gaps) fail the run too.")
@output_options
@target_options
def run_command(
    scenario: str,
    fault_names: tuple[str, ...],
    report_dir: Path,
    seed: int,
    contract_file: Path | None,
    strict: bool,
    out: Path | None,
    junit: Path | None,
    as_json: bool,
    quiet: bool,
    dry_run: bool,
    keep: bool,
    **target_flags: Any,
) -> None:
    """Play SCENARIO (a name from scenarios/ or a path; default smoke) and check sync.

    With no --target, the embedded Pusher server and backend simulator are started on
    127.0.0.1. Exit 0: pass; 1: findings; 2: usage or configuration error; 3: inconclusive.
    """
    spec = load_scenario(scenario)
    contract = load_contract(contract_file)
    faults = fault_selection([*spec.faults, *fault_names])
    output = Output(out, junit, as_json, quiet)
    remote = remote_target(faults, target_flags, contract, output.console())
    # The stack, the runner and the reports are imported once the arguments, the faults, the target
    # and the files they name are read: `--help` and a usage error do not wait for them.
    from .running import run

    code = run(spec, contract, faults, report_dir, seed, strict, output, dry_run, keep, remote)
    if code is not None:
        sys.exit(code)
