"""The final checker, run as the record grows: what Locust's live rows and the CLI's progress show.

The listeners' checks are the stream (`stream.py`), fed only what was appended since the last
update, so each receipt is judged once and the settled writes are folded away. The checks over
operations and the servers' own observations (`history_checks`) are re-run on each update: they
are linear in the writes, not the receipts, and a finding of theirs (a 5xx, a cross-hotel read) is
known the moment it is recorded. Their findings and the stream's are the ones the report shows.
"""

from __future__ import annotations

from ..contract import Contract
from ..history import History, HistoryData, Observation
from . import history_checks
from .findings import NAMES, Finding
from .parts import Part
from .stream import Closed, ListenerStream


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
        others = HistoryData(data.meta, data.operations[: self._seen_ops], list(self._others))
        part = Part(self.stream.totals.findings + self.stream.due(), judged=self.stream.judged())
        self.findings = part.findings + history_checks(others, self.contract, part, {})
        self.judged = {name: part.judged.get(name, 0) for name in NAMES}
        closed, self.stream.closed = self.stream.closed, []
        return closed

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]
