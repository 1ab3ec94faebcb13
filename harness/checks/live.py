"""The final checker, run as the record grows: what Locust's live rows and the CLI's progress show.

The listeners' checks are the stream (`stream.py`), fed only what was appended since the last
update, so each receipt is judged once and the settled writes are folded away. The checks over
operations and the servers' own observations (`history_checks`) are re-run: they are linear in
the writes, not the receipts, and a finding of theirs (a 5xx, a cross-hotel read) is known the
moment it is recorded. Their findings and the stream's are the ones the report shows. An hour's
writes make a re-run cost seconds, so they are re-run only when at least SHARE_INVERSE times its
last cost has passed: at most 1/SHARE_INVERSE of a core, however long the run.
"""

from __future__ import annotations

import time
from collections import Counter

from ..contract import Contract
from ..history import History, HistoryData, Observation
from . import history_checks
from .findings import NAMES, Finding
from .parts import Part
from .stream import Closed, ListenerStream

SHARE_INVERSE = 20


class LiveCheck:
    def __init__(self, contract: Contract, limit_s: float, history: History) -> None:
        """Follows `history`'s receipts when it does not keep them (a run's, see `History`)."""
        self.contract = contract
        self.stream = ListenerStream(contract, limit_s, history.data.meta)
        history.follow_receipts()
        self._others: list[Observation] = []  # every observation but receipts and the truth
        self._seen_ops = self._seen_obs = 0
        self.findings: list[Finding] = []  # errors and warnings so far, from every check, and the due ones
        self.judged: dict[str, int] = {}
        self._history_found: list[Finding] = []  # the last re-run of `history_checks`: its findings,
        self._history_judged: Counter[str] = Counter()  # what it judged,
        self._next_run = 0.0  # and when the next may start (perf_counter)

    def update(self, history: History, now: float | None) -> list[Closed]:
        """Take what was recorded since the last update; the changes whose window has closed by `now`
        (None: the record is complete, every change closes)."""
        data = history.data
        ops, observations = data.operations[self._seen_ops :], data.observations[self._seen_obs :]
        self._seen_ops += len(ops)
        self._seen_obs += len(observations)
        self.stream.feed(ops, observations + history.take_receipts())
        self._others.extend(o for o in observations if o.kind not in ("receipt", "truth"))
        if now is None:
            self.stream.finish()
        else:
            self.stream.advance(now)
        part = Part(self.stream.totals.findings + self.stream.due(), judged=self.stream.judged())
        started = time.perf_counter()
        if now is None or started >= self._next_run:
            others = HistoryData(data.meta, data.operations[: self._seen_ops], list(self._others))
            before = Counter(part.judged)
            self._history_found = history_checks(others, self.contract, part, {})
            self._history_judged = part.judged - before
            self._next_run = started + SHARE_INVERSE * (time.perf_counter() - started)
        else:
            part.judged.update(self._history_judged)
        self.findings = part.findings + self._history_found
        self.judged = {name: part.judged.get(name, 0) for name in NAMES}
        closed, self.stream.closed = self.stream.closed, []
        return closed

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]
