"""The final checker, run as the record grows: what Locust's live rows and the CLI's progress show.

Fed only what was recorded since the last update, and folding what has settled, so a long run's
live check holds the writes in flight, not the run. The listeners' checks are the stream
(`stream.py`): each receipt is judged once. The checks over operations (`over_operations`) judge
each operation when it is answered (a 5xx shows at once) and once its delivery has settled in the
stream (whether its event went missing is known by then), and keep of it only what a later
judgement needs. Their findings and the stream's are the ones the report shows: the same rules,
taken at the same moments. A late delivery is held against the harness's own stalls on record so
far (`harness_stalls`): those of this process, its pages and its writers; a listener worker
process's own reach the record when it is folded in at the end, and the final check holds them. A
change's sample is taken at its window's close: one failed then for lateness a stall on record only
later explains stays failed in Locust's rows, stricter than the report, never looser.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, deque
from typing import Any

from ..record.history import History, HistoryData, Observation, Operation
from ..spec.contract import Contract
from .changes import Closed
from .consequences import with_causes
from .findings import Finding
from .harness_stalls import LATE, RECORDS, excused, read_late
from .late_copies import MISSING
from .outcomes import Outcome, outcome, outcomes
from .over_operations import OperationChecks
from .pausing import gc_paused_promoting
from .rules import RULES
from .sizes import never_sent
from .stall_spans import Stalls
from .stream import GRACE_S, ListenerStream
from .timeline import Timeline


class LiveCheck:
    def __init__(self, contract: Contract, limit_s: float, history: History) -> None:
        """Follows `history` (`History.follow`): its operations and the receipts it does not keep."""
        self.contract = contract
        self.stream = ListenerStream(contract, limit_s, history.data.meta, live=True)
        history.follow()
        self.operations = OperationChecks()
        self._unanswered: list[Operation] = []  # taken, not yet answered,
        self._unsettled: Timeline[Operation] = Timeline()
        """Answered, delivery not yet settled (the writes in flight): by completion, then by when
        answered, so an update looks at the ones settling only (`_ripe` until their turn)."""
        self._missing: set[int] = set()  # pending writes whose event no listener got (`never_sent`)
        self._taken: dict[int, Operation] = {}  # taken, not yet settled, by id
        self._order: deque[int] = deque()  # their ids as taken: the order the final check takes them in
        self._ripe: dict[int, Operation] = {}  # settled, waiting for one taken before them to settle
        self._late: dict[int, Operation] = {}  # the writes of late and missing deliveries, held against the stalls
        self._stall_record: list[Observation] = []  # what the stalls are read from (`RECORDS`)
        self._stalls: Stalls | None = None  # read from it once, again when it grows
        self._stream_seen = 0  # the stream's findings looked at for those
        self._others: list[Observation] = []  # every observation but receipts and the truth
        self._refused = False  # the Pusher server refused a trigger
        self._seen_obs = 0
        self.findings: list[Finding] = []  # errors and warnings so far, from every check, and the due ones
        self.judged: dict[str, int] = {}  # by the rules the live check can judge (`Rule.live`)
        self.outcomes: dict[str, Outcome] = live_outcomes([], {})

    def update(self, history: History, now: float | None) -> list[Closed]:
        """Take what was recorded since the last update; the changes whose window has closed by `now`
        (None: the record is complete, every change closes)."""
        with gc_paused_promoting():
            return self._update(history, now)

    def _update(self, history: History, now: float | None) -> list[Closed]:
        data = history.data
        observations = data.observations[self._seen_obs :]
        self._seen_obs += len(observations)
        ops, receipts = history.take()
        self.stream.feed(ops, observations + receipts)
        self._unanswered.extend(ops)
        self._taken.update((op.id, op) for op in ops)
        self._order.extend(op.id for op in ops)
        others = [o for o in observations if o.kind not in ("receipt", "truth")]
        self._others.extend(others)
        stall_record = [o for o in others if o.kind in RECORDS]
        if stall_record:
            self._stall_record += stall_record
            self._stalls = None
        self._refused = self._refused or any(o.kind == "trigger-rejected" for o in others)
        if now is None:
            self.stream.finish()
        else:
            self.stream.advance(now)
        self._fold(finished=now is None)
        observed = HistoryData(data.meta, [], self._others)
        judged: Counter[str] = Counter()
        found = self.operations.findings(observed, lambda lines: [], judged)
        self.findings = self._held(with_causes(self.stream.totals.findings + self.stream.due() + found), data.meta)
        judged += self.stream.judged()
        self.judged = {name: judged.get(name, 0) for name, rule in RULES.items() if rule.live}
        self.outcomes = live_outcomes(self.findings, self.judged)
        closed, self.stream.closed = self.stream.closed, []
        return _unless_excused(closed, self.findings)

    def _held(self, findings: list[Finding], meta: dict[str, Any]) -> list[Finding]:
        """`findings`, the late deliveries held against the stalls on record so far (`harness_stalls`)."""
        if not any(map(read_late, findings)):
            return findings
        if self._stalls is None:
            self._stalls = Stalls(HistoryData(meta, [], self._stall_record), self._late)
        return excused(findings, self._stalls, self.stream.limit)[0]

    def _fold(self, finished: bool) -> None:
        """Each operation is judged when answered (`OperationChecks.answered`, every approval
        among those answered noted first), and again once its delivery has settled in the stream
        (`settled`, those settling now together, in the order taken, once every one taken before them
        has settled too: a group names its first write as the final check does), then let go.
        write-despite-error counts the writes, and finds nothing here: its evidence (the receipts about
        a line, the lines re-read after the run) is the final check's."""
        answered: list[Operation] = []
        unanswered: list[Operation] = []
        for op in self._unanswered:  # an answer lands from another thread: each op is looked at once
            (answered if finished or op.type != "invoke" else unanswered).append(op)
        self._unanswered = unanswered
        self.operations.answered(answered)
        for op in answered:
            self._unsettled.add(math.inf if op.complete is None else op.complete, op)
        found = self.stream.totals.findings
        self._missing |= never_sent(found[self._stream_seen :], self.stream.totals.slowest)
        for f in found[self._stream_seen :]:
            if f.name in (LATE, MISSING) and f.operation in self._taken:  # a missing one's copy may come late
                self._late[f.operation] = dataclasses.replace(self._taken[f.operation], request={}, body=None)
        self._stream_seen = len(found)
        settled_before = self.stream.frontier - self.stream.limit - GRACE_S
        for _, _, op in self._unsettled.take(None if finished else settled_before):
            self._ripe[op.id] = op
        ops = []  # in the order taken, as the final check takes a history's: a group names its first alike
        while self._order and self._order[0] in self._ripe:
            ops.append(self._ripe.pop(self._order.popleft()))
        self.operations.settled(ops, self._missing, self._refused)
        self._missing.difference_update(op.id for op in ops)
        for op in ops:
            del self._taken[op.id]

    @property
    def in_flight(self) -> int:
        """Operations taken and not yet settled: what the live check holds of the run's writes."""
        return len(self._unanswered) + len(self._unsettled) + len(self._ripe)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def _unless_excused(closed: list[Closed], findings: list[Finding]) -> list[Closed]:
    """`closed`, a change not failed for lateness when each of its late deliveries is a stall's
    warning now (`harness_stalls`), as the report will say of it."""
    if not any(LATE in c.failures for c in closed):
        return closed
    late = {(f.operation, f.event) for f in findings if f.name == LATE and f.severity == "error"}
    return [
        c if LATE not in c.failures or (c.operation, c.event) in late
        else dataclasses.replace(c, failures=[name for name in c.failures if name != LATE])
        for c in closed
    ]  # fmt: skip


def live_outcomes(findings: list[Finding], judged: dict[str, int]) -> dict[str, Outcome]:
    """Each rule's outcome so far. A finding may come before the item it is about is counted as
    judged (once it settles), so a live rule counts at least its findings as judged; a rule the live
    check cannot judge (not in `judged`) judged nothing yet: unknown, unless it found an error."""
    found = Counter(f.name for f in findings)
    counted = {name: max(count, found[name]) for name, count in judged.items()}
    return {
        name: result if name in judged else outcome(name, 0, result.findings)
        for name, result in outcomes(findings, counted).items()
    }
