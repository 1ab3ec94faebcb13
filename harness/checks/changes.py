"""A write's changes as the stream (`stream.py`) holds them: what one owes its listeners until it
settles (`Owed`), the live feed's sample of it when its window closes (`Closed`, `samples`), and
what settled writes leave behind (`StreamTotals`)."""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..record.history import Operation
from .delivery import JUDGED_AS, unmatched
from .findings import Finding
from .latency import Latencies
from .owed import ECHO, Expectation
from .rules import RULES

_ROLE = operator.attrgetter("role")
_NONE_MISSING = "0 listener(s) never got it"
DELIVERY = frozenset(name for name, rule in RULES.items() if rule.per_change)
"""The findings about one change's delivery: they make its live sample a failure."""


@dataclass(slots=True)
class Closed:
    """One change judged at its window's close: the live feed's sample."""

    operation: int
    event: str
    failures: list[str]
    latency_s: float
    detail: str = ""
    delivered_s: float | None = None  # its slowest delivery, if any listener got it (latency_s may be the limit)


@dataclass(slots=True)
class Owed:
    op: Operation
    window_end: float
    expectations: list[Expectation]
    findings: list[Finding] = field(default_factory=list)
    slowest: dict[str, float] = field(default_factory=dict)  # by event: its slowest delivery so far
    unmet: Sequence[Expectation] = ()
    """At its close, the expectations it missed then: the only ones that can be due until it settles
    (a role is fixed at the close, and an expectation once matched stays matched); none while it is
    open."""
    judged: dict[str, int] = field(default_factory=dict)
    """At its close, its expectations by their role's check: counted once, as shown then and as
    judged when it settles (the roles are fixed at the close)."""
    steady: int | None = None
    """`Listeners.ended` when it was admitted, if each listener it may owe had one subscription to its
    channel, open then: while the count stays the same, the roles given at the invoke stand."""


@dataclass
class StreamTotals:
    """What settled writes leave behind: their findings, latencies in buckets, each change's slowest
    delivery (by write and event), and counts."""

    findings: list[Finding] = field(default_factory=list)
    by_event: dict[str, Latencies] = field(default_factory=dict)
    by_listener: dict[str, Latencies] = field(default_factory=dict)
    judged: Counter[str] = field(default_factory=Counter)
    slowest: dict[tuple[int, str], float] = field(default_factory=dict)
    receipts: int = 0
    matched: int = 0
    routed: Counter[tuple[str, ...]] = field(default_factory=Counter)  # receipts by the routing checks applied
    delivered: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    """The deliveries owed and made since they were last counted, by (event, listener): each one's
    latency after its write's invoke. In `matched` and the latencies once counted (`count_latencies`)."""

    def counted(self, ordered: int) -> Counter[str]:
        """What each check judged so far: every receipt for duplicates and its routing checks, every
        delivery for its payload and latency, every settled expectation for its role's check, and the
        `ordered` pairs of changes for out-of-order."""
        judged = Counter(self.judged)
        for applied, receipts in self.routed.items():
            for name in applied:
                judged[name] += receipts
        judged["duplicate-event"] += self.receipts
        judged["out-of-order"] += ordered
        judged["payload-mismatch"] += self.matched
        judged["late-event"] += self.matched
        return judged

    def count_latencies(self) -> None:
        """Count the deliveries made since last time (`delivered`) in their buckets, by event and by
        listener: the stream only notes each one, and counts them when it stops, each pair's
        latencies counted once in buckets of their own, merged into both."""
        by_event, by_listener = self.by_event, self.by_listener
        for (event, listener), latencies in self.delivered.items():
            self.matched += len(latencies)
            counted = Latencies()
            counted.add_all(latencies)
            for by, name in ((by_event, event), (by_listener, listener)):
                values = by.get(name)
                if values is None:
                    values = by[name] = Latencies()
                values.merge(counted)
        self.delivered.clear()


def samples(owed: Owed, limit_s: float) -> list[Closed]:
    """Each of a closed write's events as one live sample: a failure if anything is wrong or still
    missing. Most writes have nothing found or missing: each event they delivered is a sample that
    `samples_in_full` would make without looking further."""
    if owed.findings or owed.unmet:
        return samples_in_full(owed, limit_s)
    slowest = owed.slowest
    return [Closed(owed.op.id, event, [], max(slowest[event], 0.0), _NONE_MISSING, slowest[event])
            for event in sorted(slowest)]  # fmt: skip


def samples_in_full(owed: Owed, limit_s: float) -> list[Closed]:
    """`samples`, whatever was found or is missing."""
    missing: dict[str, list[str]] = {}
    for exp in owed.unmet:  # missed at the close, which is now
        if not exp.planned_gap:
            missing.setdefault(exp.event, []).append(JUDGED_AS[exp.role])
    out = []
    # with nothing found or missing, only the events delivered have a sample
    events = {exp.event for exp in owed.expectations} if owed.findings or missing else owed.slowest
    for event in sorted(events):
        errors = [f for f in owed.findings if f.event == event and f.severity == "error"]
        names = sorted({f.name for f in errors} | set(missing.get(event, ()))) if errors or event in missing else []
        slowest = owed.slowest.get(event)
        if slowest is None and not names:
            continue
        latency = limit_s if slowest is None else max(slowest, limit_s if event in missing else 0.0)
        detail = errors[0].message if errors else f"{len(missing.get(event, []))} listener(s) never got it"
        out.append(Closed(owed.op.id, event, names, latency, detail, slowest))
    return out


@dataclass
class Held:
    """The writes the stream holds, and what the live check shows of them, kept as they close and
    settle: asked after every live update, it costs the open writes a self-echo may come to, and the
    writes held only while a delivery is due."""

    owed: dict[int, Owed] = field(default_factory=dict)  # every write admitted, not yet settled
    echoing: dict[int, Owed] = field(default_factory=dict)
    """Of those, the ones whose window is still open and that owe a writer's own connection (`ECHO`
    at the invoke): until the close, only those can have an echo to show."""
    shown_closed: Counter[str] = field(default_factory=Counter)  # what the closed ones show
    missing: int = 0  # closed writes held with something unmet at their close: only they can be due

    def admit(self, owed: Owed) -> None:
        self.owed[owed.op.id] = owed
        if ECHO in map(_ROLE, owed.expectations):
            self.echoing[owed.op.id] = owed

    def closed(self, owed: Owed, roles: list[str]) -> None:
        """`owed` has closed: `roles`, its expectations' that have one (its `unmet` known too); most
        often all the same."""
        self.echoing.pop(owed.op.id, None)
        self.missing += bool(owed.unmet)
        if roles and roles.count(roles[0]) == len(roles):
            owed.judged = {JUDGED_AS[roles[0]]: len(roles)}
        else:
            owed.judged = {JUDGED_AS[role]: count for role, count in Counter(roles).items()}
        shown = self.shown_closed
        for name, count in owed.judged.items():
            shown[name] += count

    def settled(self, owed: Owed) -> None:
        del self.owed[owed.op.id]
        self.missing -= bool(owed.unmet)
        shown = self.shown_closed
        for name, count in owed.judged.items():
            shown[name] -= count

    def shown(self) -> Counter[str]:
        """What the live check already shows and so counts as judged: each expectation of a closed
        write (its miss is `due`), and an echo that came to an open one (a self-echo at once)."""
        echoes = sum(exp.role == ECHO and exp.matched for owed in self.echoing.values() for exp in owed.expectations)
        return +self.shown_closed + Counter({JUDGED_AS[ECHO]: echoes})

    def due(self) -> list[Finding]:
        """Deliveries missing at their window's close, not yet settled: the findings they will be unless
        the event still comes within the grace (then it is late instead)."""
        if not self.missing:
            return []
        return [unmatched(exp) for owed in self.owed.values() for exp in owed.unmet if not exp.matched]
