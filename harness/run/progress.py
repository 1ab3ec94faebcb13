"""A live run's progress for the CLI: counts every half second, and findings over what has settled.

The findings count runs the real checks on the writes older than the latency limit (those
whose events are due by now), so a fault shows while the run is still going; large runs skip
it, where checking twice a second would cost more than the run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..bots.fleet import ListenerFleet
from ..checks import check
from ..contract import Contract
from ..history import History

EVERY_S = 0.5
LIVE_CHECK_EVERY, LIVE_CHECK_MAX = 4, 5_000


@dataclass
class Progress:
    elapsed: float
    operations: int
    receipts: int
    failures: int
    findings: int | None


@dataclass
class ProgressWatch:
    history: History
    fleet: ListenerFleet
    contract: Contract
    latency_s: float

    def run(self, stop: threading.Event, report: Callable[[Progress], None]) -> None:
        """Report until `stop` is set; findings are re-counted every LIVE_CHECK_EVERY ticks."""
        t0, ticks, findings = self.history.now(), 0, None
        while not stop.wait(EVERY_S):
            ticks += 1
            if ticks % LIVE_CHECK_EVERY == 0:
                findings = self.findings_so_far()
            report(self.progress(t0, findings))

    def progress(self, t0: float, findings: int | None) -> Progress:
        ops = list(self.history.data.operations)
        failures = sum(1 for op in ops if op.type == "info" or (op.status or 0) >= 500)
        return Progress(self.history.now() - t0, len(ops), self.fleet.receipts(), failures, findings)

    def findings_so_far(self) -> int | None:
        if len(self.history.data.observations) >= LIVE_CHECK_MAX:
            return None
        settled = self.history.data.settled(self.history.now() - self.latency_s)
        return len(check(settled, self.contract).errors)
