"""The per-listener checks as one pass over the record in time order, folding what has settled.

Observations are taken in time order (`intake.py` holds what is fed until it is safe to judge).
Before each, every write invoked by then is admitted: its expectations (`owed.py`) join their
listeners' groups, so a receipt matches exactly as `delivery.py` says. A write's change (write,
event) *closes* when its delivery window (completion + latency limit) has passed: it is judged
then, once, for the live feed (`closed`, `changes.samples`). GRACE_S later it *settles*: a delivery
still missing is a finding, the judged counts are taken, and everything the write held is dropped.
Payloads are forgotten RETAIN_S after they were last copied (a copy later is read as no copy again,
however the check was fed). So memory holds the writes in flight, not the run: what a settled write
leaves behind is its findings, its deliveries counted in latency buckets, and its slowest delivery.

Fed a whole history (`check`) or as it grows (the live feed), the rules and moments are the same,
so live figures and the final report agree. The price of folding: an event more than GRACE_S past its
window is missing (`late_copies.py` says when it came), and a copy RETAIN_S after the last no duplicate.

Identical copies are a multiset: a listener owed the same (channel, event, payload) by several writes
is owed that many copies, a copy a duplicate only when it got more than it was owed (`delivery.take`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from ..record.history import Observation, Operation
from ..spec.contract import Contract
from .changes import DELIVERY, Closed, Held, Owed, StreamTotals, samples
from .deliveries import DeliveryLog
from .delivery import Group, GroupKey, duplicate, matched, take, undecided, unmatched, unowe
from .findings import Finding
from .intake import Intake, quiesced_at
from .late_copies import MISSING, LateCopies
from .listeners import Listeners
from .model import Payloads, Receipt
from .owed import ECHO, Copies, Expectation, closing, missed, owed_at_invoke
from .routing import route, routing_findings
from .tally import Tally
from .timeline import Timeline
from .views import LatestLines, fold_line_event

GRACE_S = 10.0
LAG_S = 0.5  # live: records this recent may still be on their way (threads, pages' batches)
RETAIN_S = 15.0
_UNROUTED = (("not yet routed",), ())  # what a text not yet routed on a channel reads as: judged in full


class ListenerStream:
    def __init__(self, contract: Contract, limit_s: float, meta: dict[str, object], live: bool = False,
                 deliveries: DeliveryLog | None = None) -> None:  # fmt: skip
        """`live`: each change is judged at its close into `closed`, for the live feed to take. A final
        check keeps instead each settled change's slowest delivery in `totals` (its result lists them),
        and no samples: nothing would take them, and an hour's run closes hundreds of thousands.
        `deliveries`: where each delivery judged is logged, if anywhere (the run's deliveries table)."""
        self.contract, self.limit, self.meta = contract, limit_s, meta
        self.live, self.deliveries = live, deliveries
        self.totals = StreamTotals()
        self.closed: list[Closed] = []  # changes judged, not yet taken by the live feed
        self.latest: LatestLines = {}
        self._forget_at = -math.inf
        self.frontier = -math.inf  # taken up to here: a write whose window + GRACE_S ended before has settled
        self.intake = Intake(meta)
        self.listeners = Listeners()
        self._groups: dict[GroupKey, Group] = {}
        self._stale_found: list[Expectation] = []  # `take`'s writes whose parked copy was their event
        self._copies: dict[tuple[str, str], tuple[str, str]] = {}
        """(listener, channel): one key shared by every text's `Payload.held`, not one each to hold."""
        self._held = Held()
        self._late = LateCopies(GRACE_S)
        self._timers: Timeline[tuple[int, int]] = Timeline(2)  # (stage, operation): 0 closes, 1 settles
        self._payloads = Payloads(contract)
        self._known = self._payloads.known
        self._tally = Tally(self.totals, self._held.owed, limit_s, deliveries, self._found)

    def feed(self, operations: Iterable[Operation], observations: Iterable[Observation]) -> None:
        """New writes (by invoke) and observations; completions may come later, on the same objects."""
        self.intake.feed(operations, observations)

    def advance(self, now: float) -> None:
        """Take what is safe to judge by `now`: records older than LAG_S, and only as far as every
        write invoked before them has been answered (a receipt may match any of those)."""
        self._run(min(now - LAG_S, self.intake.first_unanswered()), finished=False)

    def finish(self) -> None:
        """The record is complete: take everything; a write never answered is owed nothing."""
        self._run(math.inf, finished=True)

    def _run(self, frontier: float, finished: bool) -> None:
        """The hot loop: a receipt costs a few dictionary looks-ups; timers and admissions are checked
        inline, against the next one's time (only they add and take those), called only when due."""
        self.frontier = max(self.frontier, frontier)
        timers, waiting = self._timers, self.intake.waiting
        next_write = waiting[0].invoke if waiting else math.inf
        next_timer = timers.first()
        others = 0  # observations but receipts: the rest are counted at once
        for obs in (ready := self.intake.ready(frontier)):
            t = obs.time
            receipt = obs.kind == "receipt"
            if next_write <= t and (next_write < t or receipt):
                self._admit(t, receipt, finished)
                next_write = waiting[0].invoke if waiting else math.inf
                next_timer = timers.first()
            if next_timer < t:
                self._timers_before(t)
                next_timer = timers.first()
            if receipt:
                self._receipt(obs)
            else:
                others += 1
                self.listeners.observe(obs)
            if t >= self._forget_at:
                self._payloads.forget(t - RETAIN_S)
                self._forget_at = t + 1.0
        self._admit(frontier, False, finished)
        self._timers_before(frontier)
        self.totals.receipts += len(ready) - others
        self.totals.count_latencies()

    def _admit(self, until: float, inclusive: bool, finished: bool) -> None:
        for op in self.intake.admitted(until, inclusive, finished):
            self._owe(op)

    def _owe(self, op: Operation) -> None:
        exps, steady = owed_at_invoke(op, self.contract, self.listeners, self._groups)
        if not exps:
            return
        assert op.complete is not None
        window_end = min(op.complete + self.limit, quiesced_at(self.meta))
        self._held.admit(Owed(op, window_end, exps, steady=self.listeners.ended if steady else None))
        self._timers.add(window_end, (0, op.id), lane=0)
        self._timers.add(window_end + GRACE_S, (1, op.id), lane=1)

    def _timers_before(self, t: float) -> None:
        for _, _, (stage, op_id) in self._timers.take(t):
            (self._close if stage == 0 else self._settle)(self._held.owed[op_id])

    def died(self, listener: str, at: float) -> None:
        """The harness lost `listener` at `at` (`Listeners.died`)."""
        self.listeners.died(listener, at)

    def _receipt(self, obs: Observation) -> None:
        """Every receipt passes here: what a fan-out shares (routing, parse, diffs) is on its Payload,
        worked out once. The healthy one (its text routed with nothing wrong, no copy of it before,
        owed by the one write in flight, on time and as its write answered) finds nothing but, maybe,
        its order: it is taken without a `Receipt`; any other is judged in full (`_judge`)."""
        raw, event = obs.data, obs.event or ""
        payload = self._known.get((event, raw)) if raw.__class__ is str else None  # `Payloads.text`, known
        if payload is None:
            event, raw, payload = self._payloads.text(obs)
        listener, channel, t = obs.listener or "?", obs.channel or "", obs.time
        held, copy = payload.held, (listener, channel)
        before, group = held.get(copy), self._groups.get(key := (listener, channel, event, payload.key))
        if before is None and group is not None and len(group) == 1:
            exp, routed = group[0], payload.routing.get(channel, _UNROUTED)
            op = exp.op
            latency = t - op.invoke
            fits = not routed[0] and latency <= self.limit and exp.parked is None
            if fits and exp.role != ECHO and exp.fingerprint == payload.fingerprint and payload.diffs.get(op.id) == []:
                self.totals.routed[routed[1]] += 1
                exp.matched = True
                del self._groups[key]
                held[self._copies.setdefault(copy, copy)] = (t, op.id, t)
                if listener in self.listeners.paged:
                    fold_line_event(self.latest, listener, channel, t, payload)
                self._tally.count(exp, t, latency, payload.line_id)
                return
        self._judge(Receipt(listener, obs.socket_id, channel, event, raw, t, payload), before, key, group)

    def _judge(self, r: Receipt, before: Copies | None, key: GroupKey, group: Group | None) -> None:
        """A receipt as it comes, whatever it is (a copy again, a stale or wrong text, one of several
        writes in flight, a self-echo), with `before`, the listener's copies of its text (`Payload.held`),
        and its `group` of expectations, under `key`, if any."""
        payload, listener, channel, t = r.payload, r.listener, r.channel, r.time
        found, applied = payload.routing.get(channel) or route(self.contract, r)
        self.totals.routed[applied] += 1
        if found:
            self.totals.findings.extend(routing_findings(r, found))
        if before is not None and t - before[2] > RETAIN_S:
            before = None  # its last copy is too long ago for this one to be a copy again
        if (before is None and self._late.came(self.totals.findings, r, group)) or group is None:
            exp = None
        elif len(group) == 1 and group[0].fingerprint == payload.fingerprint and group[0].role != ECHO:
            exp = group[0]  # one write in flight, its own event; a copy parked on it
            exp.matched = True  # is no later write's stale event, as there is none
            del self._groups[key]
        else:
            exp = take(group, r, before, self.listeners.echoing, self._stale_found, self.limit)
            if self._stale_found:
                self._stale(self._stale_found)
            if not group:
                del self._groups[key]
        held, copy = payload.held, (listener, channel)
        parked = False  # only a copy again is parked (`take`)
        if before is None:
            held[self._copies.setdefault(copy, copy)] = (t, None if exp is None else exp.op.id, t)
        elif exp is None:
            held[copy] = (before[0], before[1], t)
            if not self._late.came(self.totals.findings, r, group):  # a missed write's identical copy, late
                self._found(duplicate(before[0], r, before[1]))
            return
        else:
            parked = exp.parked is not None and exp.parked.receipt is r
            held[copy] = (before[0], before[1] if parked else exp.op.id, t)
        if listener in self.listeners.paged:
            fold_line_event(self.latest, listener, channel, t, payload)
        if exp is not None and not parked:
            self._delivered(exp, r, group is None or not undecided(exp, r, group, before))

    def _delivered(self, exp: Expectation, r: Receipt, in_order: bool = True) -> None:
        """`exp` matched `r`. A copy parked on it before is a duplicate after all. `in_order`: `r` is the
        listener's latest receipt and surely `exp`'s (not a parked copy, nor `delivery.undecided`).
        A delivery on time whose text agrees with its write (known once per fan-out) finds nothing."""
        parked = exp.parked
        if parked is not None and parked.receipt is not r:  # the write's own event came: a copy again
            self._found(duplicate(parked.before[0], parked.receipt, parked.before[1]))
        latency = r.time - exp.op.invoke
        differences = r.payload.diffs.get(exp.op.id)
        if differences is None or differences or latency > self.limit or exp.role == ECHO:
            for finding in matched(exp, r, self.limit):
                self._found(finding)
            if exp.role == ECHO:
                self.listeners.echoing.add(exp.listener)
                return
        self._tally.count(exp, r.time, latency, r.payload.line_id if in_order else None)

    def judged(self) -> Counter[str]:
        """What each check judged so far: the settled writes' counts, and what the live check shows of
        the writes still held (`changes.Held.shown`)."""
        return self.totals.counted(self._tally.order.judged) + self._held.shown()

    def _found(self, finding: Finding) -> None:
        self.totals.findings.append(finding)
        owed = self._held.owed.get(finding.operation) if finding.operation is not None else None
        if owed is not None and finding.name in DELIVERY:
            owed.findings.append(finding)

    def _close(self, owed: Owed) -> None:
        """The window has passed: each expectation's role as the subscriptions turned out (what it
        missed, in `owed.unmet`), and, live, the sample of each of the write's events."""
        for exp in owed.expectations:
            if exp.parked is not None and not exp.matched:
                self._unpark(exp)
        steady = owed.steady == self.listeners.ended
        roles, unmet = closing(owed.expectations, owed.op, owed.window_end, self.listeners.dead, steady)
        if unmet:
            owed.unmet = unmet
        self._held.closed(owed, roles)
        if self.live:
            self.closed.extend(samples(owed, self.limit))

    def _unpark(self, exp: Expectation) -> None:
        """The write's own event never came: the copy parked on it was its stale event."""
        exp.matched = True
        unowe(self._groups, exp)
        self._stale([exp])

    def _stale(self, writes: list[Expectation]) -> None:
        """Writes whose own event never came (window closed, or the next write's came): each parked copy was stale."""
        for exp in writes:
            assert exp.parked is not None
            self._delivered(exp, exp.parked.receipt, in_order=False)
        writes.clear()

    def _settle(self, owed: Owed) -> None:
        """The grace has passed too: a delivery still missing is a finding; the write is forgotten."""
        totals = self.totals
        for name, count in owed.judged.items():
            totals.judged[name] += count
        lost = False  # live: a lost event's write's slowest tells whether any listener got it
        for exp in owed.expectations:
            if not exp.matched:
                if missed(exp):
                    totals.findings.append(finding := unmatched(exp))
                    if finding.name == MISSING:
                        lost = True
                        self._late.missed(exp, len(totals.findings) - 1, owed.window_end + GRACE_S)
                unowe(self._groups, exp)
        if not self.live or lost:
            for event, latency in owed.slowest.items():
                totals.slowest[(owed.op.id, event)] = latency
        self._held.settled(owed)

    def due(self) -> list[Finding]:
        """Deliveries missing at their window's close, not yet settled (`changes.Held.due`)."""
        return self._held.due()

    @property
    def writes_held(self) -> int:
        """The writes admitted and not yet settled: `holding()["writes"]`, without counting the rest."""
        return len(self._held.owed)

    def holding(self) -> dict[str, int]:
        """What the stream holds now: it grows with the writes in flight, never with the run."""
        return {"writes": self.writes_held, "groups": len(self._groups), "texts": len(self._payloads.known),
                "copies": sum(len(p.held) for p in self._payloads.known.values()), "samples": len(self.closed),
                "waiting": self.intake.held}  # fmt: skip

    def latency_by_listener(self) -> dict[str, dict[str, object]]:
        return {name: values.summary() for name, values in self.totals.by_listener.items()}
