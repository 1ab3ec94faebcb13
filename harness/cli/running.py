"""`stocksync run` once its arguments parse: the scenario played on the embedded stack or a target,
checked and reported (`harness.cli.run` declares the command)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from ..bots.browser_runtime import requirements as browser_requirements
from ..bots.endpoint import PusherEndpoint
from ..errors import HarnessFailed, ListenersNotReady, SetupFailed, StocksyncError, UsageError, one_line
from ..record.history_file import HISTORY_NAME
from ..report import fresh_folder, writable_folder
from ..report.model import Report, build_report
from ..run.dry_run import describe_plan
from ..run.open_files import ensure_open_files
from ..run.preflight import preflight
from ..run.residue import in_words
from ..run.runner import Runner, RunOutcome
from ..run.target import Target
from ..sim.stack import EmbeddedStack, StackOptions
from ..spec.contract import Contract
from ..spec.faults import FaultSelection
from ..spec.scenario import Scenario, needs_browser
from .conclude import built, conclude
from .live import play
from .options import Output


def _print_plan(spec: Scenario, remote: Target | None, contract: Contract, keep: bool) -> None:
    shown = remote or Target(
        "<embedded simulator>", "<first seeded hotel>", "", PusherEndpoint(key="<embedded>"), contract
    )
    click.echo(f"dry run: nothing will be sent. The plan for {spec.name}:")
    click.echo("\n".join(describe_plan(spec, shown, keep, remote=remote is not None)))


def _say_cleanup(console: Console, outcome: RunOutcome) -> None:
    created, left = outcome.meta["created"], outcome.meta["left_behind"]
    if outcome.meta["kept"]:
        console.print(f"kept for inspection (--keep): stocktake(s) {left}")
    elif left:
        console.print(f"[red]could not delete stocktake(s) {left}: remove them by hand[/]")
    else:
        console.print(f"cleaned up: deleted the {len(created)} stocktake(s) this run created")
    left_in_books = in_words(outcome.history.meta.get("residue") or {})
    if left_in_books:
        console.print(f"left behind, which the API cannot delete: {left_in_books}", highlight=False)


def _play_on(spec: Scenario, target: Target, seed: int, directory: Path, keep: bool, console: Console) -> Report:
    runner = Runner(spec, target, seed=seed, history_path=directory / HISTORY_NAME, keep=keep, deliveries=True)
    try:
        outcome = play(runner, console, spec.run)
    except (SetupFailed, ListenersNotReady) as exc:
        raise UsageError(f"the run could not start: {exc}") from None
    except StocksyncError:
        raise
    except Exception as exc:  # the harness's own failure in play: INCONCLUSIVE with the history, never FAIL
        raise HarnessFailed(f"the run failed inside the harness ({one_line(exc)}); {_kept(directory)}") from None
    if target.remote:
        _say_cleanup(console, outcome)
    return built(
        lambda: build_report(outcome.history, outcome.result, target.secrets(), outcome.duration), _kept(directory)
    )


def _kept(directory: Path) -> str:
    history = directory / HISTORY_NAME
    if not history.is_file():
        return f"no history could be written at {history}"
    return f"the run's history is kept at {history}: `stocksync check` it"


def run(
    spec: Scenario,
    contract: Contract,
    selection: FaultSelection,
    report_dir: Path,
    seed: int,
    strict: bool,
    output: Output,
    dry_run: bool,
    keep: bool,
    remote: Target | None,
) -> int | None:
    """The run's exit code; None after a dry run. `remote`: the target, None for the embedded stack."""
    console = output.console()
    if dry_run:
        _print_plan(spec, remote, contract, keep)
        return None
    if remote is not None:
        preflight(remote)  # nothing written, locally or remotely, before the target is known to be fit
    ensure_open_files(spec.listeners.count + spec.listeners.list_page + spec.counters.count, embedded=remote is None)
    if needs_browser(spec):
        browser_requirements()  # names what to install, exit 2, before anything starts
    directory = writable_folder(output.out or fresh_folder(report_dir, spec.name))  # the first thing written
    if output.junit is not None:
        writable_folder(output.junit.parent)
    if remote is not None:
        report = _play_on(spec, remote, seed, directory, keep, console)
    else:
        with EmbeddedStack(StackOptions(faults=selection, seed=seed, items_per_hotel=spec.stocktake.items)) as stack:
            report = _play_on(spec, Target.embedded(stack, contract), seed, directory, keep, console)
    return conclude(report, directory, output, console, strict, _kept(directory))
