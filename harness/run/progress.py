"""A live run's progress for the CLI: counts every half second, and findings on the writes whose window has closed.

Two counts, never mixed: the counter steps the scenario planned (`run.operations`: a step is one
burst of typing or one movement, and may send several requests), taken from the run's budget and
so never over the plan; and every request recorded (setup, reads, managers, intruders, probes).

The findings count is the live check's (`checks.live`): the final checks, fed what was recorded
since the last count: those of the settled writes, and the due ones (missing at the close, a
finding unless the event comes within the grace); so a fault shows while the run is still going,
at a cost that grows with what is new, not with the run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..bots.fleet import ListenerFleet
from ..checks.live import LiveCheck
from ..record.history import History
from ..spec.contract import Contract
from .context import Budget

EVERY_S = 0.5
LIVE_CHECK_EVERY = 4


@dataclass
class Progress:
    elapsed: float
    operations: int
    receipts: int
    failures: int
    findings: int | None
    steps: int | None = None  # counter steps taken of the planned; None when the run has no budget


@dataclass
class ProgressWatch:
    history: History
    fleet: ListenerFleet
    contract: Contract
    latency_s: float
    live: LiveCheck | None = None
    budget: Budget | None = None

    def run(self, stop: threading.Event, report: Callable[[Progress], None]) -> None:
        """Report until `stop` is set; findings are re-counted every LIVE_CHECK_EVERY ticks."""
        t0, ticks, findings = self.history.now(), 0, None
        while not stop.wait(EVERY_S):
            ticks += 1
            if ticks % LIVE_CHECK_EVERY == 0:
                findings = self.findings_so_far()
            report(self.progress(t0, findings))

    def progress(self, t0: float, findings: int | None) -> Progress:
        tally = self.history.tally
        steps = self.budget.taken if self.budget is not None else None
        return Progress(self.history.now() - t0, tally.invoked, self.fleet.receipts(), tally.failed, findings, steps)

    def findings_so_far(self) -> int:
        if self.live is None:
            self.live = LiveCheck(self.contract, self.latency_s, self.history)
        self.live.update(self.history, self.history.now())
        return len(self.live.errors)
