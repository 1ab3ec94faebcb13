"""`stocksync run` and `stocksync check`: thin shells around the runner, checks and reports."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from .bots.fleet import ListenersNotReady
from .checks import check
from .bots.endpoint import PusherEndpoint
from .contract import Contract, ContractError, load_contract
from .flow_context import SetupFailed
from .history import HistoryFormatError, load
from .plan import describe_plan
from .preflight import PreflightFailed, preflight
from .report import build_report, write_reports
from .report.console import print_summary
from .run_progress import Progress as RunProgress
from .runner import RunOutcome, Runner
from .scenario import Scenario, ScenarioError, load_scenario
from .sim.stack import EmbeddedStack, StackOptions
from .target import Target
from .targeting import TargetError, target_options, resolve_target
from .usage import EXIT_FINDINGS, UsageError, fault_selection

DEFAULT_REPORTS = Path("reports")


def _report_dir(root: Path, scenario: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
    return root / f"{stamp}-{scenario}"


def _scenario(name: str) -> Scenario:
    try:
        return load_scenario(name)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None


def _finish(report: dict[str, Any], directory: Path, console: Console, strict: bool) -> None:
    write_reports(report, directory)
    print_summary(report, console, str(directory))
    warnings = any(f["severity"] == "warning" for f in report["findings"])
    if report["verdict"] == "FAIL" or (strict and warnings):
        sys.exit(EXIT_FINDINGS)


class _LiveProgress:
    """operations / deliveries / findings so far, on stderr, while the run goes."""

    def __init__(self, console: Console, total: int) -> None:
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            TextColumn("{task.completed} ops · {task.fields[receipts]} deliveries · "
                                       "{task.fields[failures]} 5xx · findings so far {task.fields[findings]}"),
                            TimeElapsedColumn(), console=console, transient=True)
        self.task = self.bar.add_task("running", total=total, receipts=0, failures=0, findings=0)

    def update(self, p: RunProgress) -> None:
        self.bar.update(self.task, completed=p.operations, receipts=p.receipts, failures=p.failures,
                        findings="…" if p.findings is None else p.findings)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _play(runner: Runner, console: Console, total: int) -> RunOutcome:
    """The run goes on a worker thread; Ctrl-C (or SIGTERM) asks it to stop, and what it recorded is
    still checked, and in target mode cleaned up."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    live = _LiveProgress(console, total)
    runner.on_progress = live.update
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["outcome"] = runner.run()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            box["error"] = exc
        finally:
            done.set()

    # An Event, not Thread.join: a join interrupted by Ctrl-C can return early on CPython.
    worker = threading.Thread(target=work, name="stocksync-run")
    with live.bar:
        worker.start()
        try:
            while not done.wait(0.2):
                pass
        except KeyboardInterrupt:
            console.print("[yellow]interrupted: stopping, draining, cleaning up and checking what was recorded…[/]")
            runner.stop.set()
            while not done.wait(0.2):
                pass
    if "error" in box:
        raise box["error"]
    return box["outcome"]


def _print_plan(spec: Scenario, remote: Target | None, contract: Contract, keep: bool) -> None:
    shown = remote or Target("<embedded simulator>", "<first seeded hotel>", "", PusherEndpoint(key="<embedded>"),
                             contract)
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


@click.command("run")
@click.argument("scenario", default="smoke")
@click.option("--fault", "fault_names", multiple=True, metavar="NAME[=RATE]",
              help="Inject a fault into the embedded stack (repeatable); `stocksync serve --list-faults`.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_REPORTS,
              show_default=True, help="Where the run's folder of reports goes.")
@click.option("--seed", default=7, show_default=True, help="Seed for data, values and fault RNGs.")
@click.option("--contract", "contract_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A contract TOML naming your channels and events (default: the seed contract).")
@click.option("--strict", is_flag=True, help="Warnings (public channels, planned gaps) fail the run too.")
@target_options
def run_command(scenario: str, fault_names: tuple[str, ...], report_dir: Path, seed: int,
                contract_file: Path | None, strict: bool, dry_run: bool, keep: bool, **target_flags: Any) -> None:
    """Play SCENARIO (a name from scenarios/ or a path; default smoke) and check sync.

    With no --target, the embedded Pusher server and backend simulator are started on
    127.0.0.1. Exit 0: no findings; 1: findings; 2: usage or configuration error.
    """
    console = Console(stderr=True)
    spec = _scenario(scenario)
    try:
        contract = load_contract(contract_file)
    except ContractError as exc:
        raise UsageError(str(exc)) from None
    selection = fault_selection([*spec.faults, *fault_names])
    try:
        remote = resolve_target(target_flags, contract)
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    if remote is not None and selection.names:
        raise UsageError("faults can only be injected into the embedded stack; drop --fault or --target")
    if dry_run:
        _print_plan(spec, remote, contract, keep)
        return
    if remote is not None:
        try:
            preflight(remote)
        except PreflightFailed as exc:
            raise UsageError(f"preflight failed: {exc}") from None
    directory = _report_dir(report_dir, spec.name)
    stack = None
    if remote is None:
        stack = EmbeddedStack(StackOptions(faults=selection, seed=seed, items_per_hotel=spec.stocktake.items)).start()
    try:
        target = remote or Target.embedded(stack, contract)  # type: ignore[arg-type]
        runner = Runner(spec, target, seed=seed, history_path=directory / "history.jsonl", keep=keep)
        try:
            outcome = _play(runner, console, spec.run.operations)
        except (SetupFailed, ListenersNotReady) as exc:
            raise UsageError(f"the run could not start: {exc}") from None
        if remote is not None:
            _say_cleanup(console, outcome)
        report = build_report(outcome.history, outcome.result, target.secrets(), outcome.duration)
    finally:
        if stack is not None:
            stack.stop()
    _finish(report, directory, console, strict)


@click.command("check")
@click.argument("history_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--contract", "contract_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The contract the run is held against (default: the seed contract).")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the reports (default: beside the history file).")
@click.option("--latency-ms", type=click.IntRange(1), help="Override the run's latency limit.")
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
def check_command(history_file: Path, contract_file: Path | None, report_dir: Path | None,
                  latency_ms: int | None, strict: bool) -> None:
    """Re-check a recorded HISTORY.jsonl offline and rewrite its reports."""
    console = Console(stderr=True)
    try:
        contract = load_contract(contract_file)
        history = load(history_file)
    except (ContractError, HistoryFormatError) as exc:
        raise UsageError(f"{history_file}: {exc}" if isinstance(exc, HistoryFormatError) else str(exc)) from None
    result = check(history, contract, latency_ms)
    ops = history.operations
    duration = max((op.complete or op.invoke for op in ops), default=0.0) - min((op.invoke for op in ops), default=0.0)
    report = build_report(history, result, [], duration)
    _finish(report, report_dir or history_file.parent, console, strict)
