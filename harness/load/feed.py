"""Live rows for Locust's stats: the final checker, run as the record grows, each change once.

One PUSHER sample per change and event, judged once, when its delivery window (completion +
latency limit) has closed: a failure named after its delivery findings if it has any (missing,
duplicate, mismatched, late, ...), a success otherwise. Its response time is the definition the
report uses: the slowest listener's delivery latency for that change, from the write's invoke; a
change no listener got carries none (Locust counts it, without a time), never the limit as a
placeholder, nor 0. So PUSHER requests/s is the write rate (not writes x listeners), and the live
Failures tab agrees with the report (at the end, hooks.py names its failures after the report's groups).

Findings about no single change (divergence, cross-hotel-access, server-error, ...) are
reported once each under their own name (request type SYNC), never as PUSHER samples.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..checks.changes import DELIVERY, Closed
from ..checks.findings import Finding
from ..checks.live import LiveCheck
from ..record.history import History
from ..spec.contract import Contract


@dataclass(frozen=True)
class Row:
    kind: str  # "PUSHER": one change's event; "SYNC": a finding about no single change
    name: str
    latency_ms: float | None  # None: nobody got the change, so it has no delivery latency
    failure: str | None = None
    detail: str = ""


class LiveFeed:
    def __init__(self, contract: Contract, limit_s: float, history: History) -> None:
        self.check = LiveCheck(contract, limit_s, history)
        self._notices: set[tuple[str, int | None, str | None, str | None, str]] = set()

    @property
    def findings(self) -> Counter[str]:
        """Error findings so far, by name."""
        return Counter(f.name for f in self.check.errors)

    @property
    def judged(self) -> dict[str, int]:
        return self.check.judged

    def rows(self, history: History, now: float | None) -> list[Row]:
        """The rows not reported before: changes closed by `now` (None: the run is over, all of them)
        and findings about no single change."""
        rows = [_sample(closed) for closed in self.check.update(history, now)]
        for f in self.check.findings:
            if f.severity == "error" and not (f.name in DELIVERY and f.operation is not None and f.event is not None):
                rows.extend(self._notice(f))
        return rows

    def _notice(self, f: Finding) -> list[Row]:
        key = (f.name, f.operation, f.listener, f.event, f.message)
        if key in self._notices:
            return []
        self._notices.add(key)
        return [Row("SYNC", f.name, None, f.name, f.message)]


def _sample(closed: Closed) -> Row:
    failure = ", ".join(closed.failures) or None
    seconds = closed.delivered_s if failure else closed.latency_s
    latency = None if seconds is None else round(seconds * 1000, 2)
    return Row("PUSHER", closed.event, latency, failure, closed.detail if failure else "")
