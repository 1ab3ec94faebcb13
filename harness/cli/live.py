"""A run played on a worker thread, with live progress on stderr and Ctrl-C / SIGTERM as a stop."""

from __future__ import annotations

import signal
import threading
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..run.progress import Progress as RunProgress
from ..run.runner import Runner, RunOutcome


class LiveProgress:
    """operations / deliveries / findings so far, on stderr, while the run goes."""

    def __init__(self, console: Console, total: int) -> None:
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn(
                "{task.completed} ops · {task.fields[receipts]} deliveries · "
                "{task.fields[failures]} 5xx · findings so far {task.fields[findings]}"
            ),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("running", total=total, receipts=0, failures=0, findings=0)

    def update(self, p: RunProgress) -> None:
        self.bar.update(
            self.task,
            completed=p.operations,
            receipts=p.receipts,
            failures=p.failures,
            findings="…" if p.findings is None else p.findings,
        )


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def play(runner: Runner, console: Console, total: int) -> RunOutcome:
    """The run goes on a worker thread; Ctrl-C (or SIGTERM) asks it to stop, and what it recorded is
    still checked, and in target mode cleaned up."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    live = LiveProgress(console, total)
    runner.on_progress = live.update
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["outcome"] = runner.run()
        except BaseException as exc:
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
    outcome: RunOutcome = box["outcome"]
    return outcome
