"""A run played on a worker thread, with live progress on stderr and Ctrl-C / SIGTERM as a stop."""

from __future__ import annotations

import signal
import threading
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..checks.rules import judged_at_end
from ..run.progress import Progress as RunProgress
from ..run.runner import Runner, RunOutcome
from ..spec.scenario import RunSection

LINE_EVERY_S = 5.0


def counted(p: RunProgress, bounds: RunSection) -> str:
    """The progress in words, each count saying what it counts: the planned counter steps taken (a
    step is a burst of typing or a movement; never over the plan), or for a time-bound run the
    seconds of the planned duration; then every request recorded, which setup, reads, managers,
    intruders and probes add to."""
    findings = "…" if p.findings is None else p.findings
    if bounds.until == "time":
        done = f"{min(p.elapsed, bounds.duration_s):.0f}/{bounds.duration_s:.0f} s of a time-bound run · "
        done += "" if p.steps is None else f"{p.steps} counter steps · "
    else:
        done = f"{p.elapsed:.0f} s: "
        if p.steps is not None:
            done += f"{min(p.steps, bounds.operations)}/{bounds.operations} planned counter steps · "
    return f"{done}{p.operations} requests · {p.receipts} deliveries · {p.failures} 5xx · {findings} findings"


class LiveProgress:
    """The progress on stderr while the run goes: a live bar on a terminal, a plain line every
    LINE_EVERY_S elsewhere (a CI log shows the run is alive). The bar fills with the planned counter
    steps, or the seconds of a run planned by time (a soak's)."""

    def __init__(self, console: Console, bounds: RunSection) -> None:
        self.by_time = bounds.until == "time"
        total = bounds.duration_s if self.by_time else bounds.operations
        self.console, self.bounds, self.total, self._said = console, bounds, total, -LINE_EVERY_S
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[counted]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("running", total=total, counted="")

    def update(self, p: RunProgress) -> None:
        text = counted(p, self.bounds)
        if not self.console.is_terminal and p.elapsed - self._said >= LINE_EVERY_S:
            self._said = p.elapsed
            self.console.print(text, highlight=False, soft_wrap=True)
        done = p.elapsed if self.by_time else (p.steps or 0)
        self.bar.update(self.task, completed=min(done, self.total), counted=text)


class Interrupts:
    """SIGINT and SIGTERM while a run plays: the first stops it (it still drains, checks and
    reports, as INCONCLUSIVE), the second cuts the drain short (still checked and reported),
    the third aborts."""

    def __init__(self, runner: Runner, console: Console) -> None:
        self.runner, self.console, self.count = runner, console, 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *_: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.count += 1
        name = signal.Signals(signum).name
        if self.count >= 3:
            raise KeyboardInterrupt
        self.runner.interrupt(name)
        if self.count == 1:
            self.console.print(
                f"[yellow]{name}: stopping, draining, cleaning up and checking what was recorded "
                "(again: skip the drain; a third time: abort)…[/]"
            )
        else:
            self.console.print(f"[yellow]{name} again: cutting the drain short; checking what was recorded…[/]")


def play(runner: Runner, console: Console, bounds: RunSection) -> RunOutcome:
    """The run goes on a worker thread while the main thread shows progress (unless quiet: then no
    live check runs either) and takes signals."""
    live = LiveProgress(console, bounds)
    if not console.quiet:
        runner.on_progress = live.update
        console.print(f"[dim]findings counted live; {judged_at_end()}[/]", highlight=False)
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["outcome"] = runner.run()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    # An Event, not Thread.join: a join interrupted by a signal can return early on CPython.
    worker = threading.Thread(target=work, name="stocksync-run")
    with live.bar, Interrupts(runner, console):
        worker.start()
        while not done.wait(0.2):
            pass
    if "error" in box:
        raise box["error"]
    outcome: RunOutcome = box["outcome"]
    return outcome
