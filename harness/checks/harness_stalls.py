"""harness-stall: late deliveries the harness may have made late itself, held apart from the backend's.

A listener process whose loop was held (its cores busy with the harness's own load, a long garbage
collection) reads the frames that came meanwhile only when it resumes and stamps them then, so they
look late though the backend and Pusher were on time. A counter's process held between stamping a
write's invoke and sending it sends it late, and its deliveries look late alike. Each harness process
records its own stalls (`bots/loop_watch.py`: a `harness-stall` observation at its end, its process
and `held_s`); stalls one after another (the watch late again at its next tick, a backlog being read)
are one span. A late delivery is the harness's doubt, not the backend's failure, when
- its listener read it while its process's loop was held or resuming from a span (within
  READ_AFTER_S of its end) that began before the delivery was due (its write's invoke plus the
  limit): had the loop not been held, it may have read it in time; or
- its write's process (`writer` observations name each counter's, and the page it fetches through)
  was held, in a span begun while the write was still leaving (SENT_WITHIN_S after its invoke) and
  counted until its answer or read, for as long as the delivery was late or longer: had the write
  gone out at its invoke, it may have come in time. When the embedded servers run in that process,
  any hold between the invoke and the read counts: it held the backend and Pusher up too.
It stays in the record as a warning whose cause is the stall, and one inconclusive finding says how
many such deliveries the harness could not judge, and how long its processes were held. A delivery
read at any other time, or due before its loop was held, or later than its writer's stall explains,
is late by the backend's doing, whatever the stalls around it, and fails the run as before. A
browser page is a process of its own: it stamps its receipts and fetches its counter's writes on its
own clock, and times its own main thread (`bots/page/page.js`). Only processes on record are held
against stalls: a history older than the watches names none, and its late deliveries are judged as
before.

Pure: the history's observations and the findings in, the findings out.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

from ..record.history import HistoryData, Operation
from ..record.stall_record import STALL as NAME
from ..record.stall_record import STALL_MIN_S, STALL_TICK_S, WRITER
from .findings import Finding
from .verdict import when_in_run

READ_AFTER_S = STALL_MIN_S + STALL_TICK_S
"""How long after a span's end the frames it held may still be read: a loop busy reading them for
longer would have made the watch late again, extending the span."""
SENT_WITHIN_S = STALL_MIN_S + STALL_TICK_S
"""How soon after its invoke a write has left the harness (a request built and sent, or handed to a
page to fetch), less a stall: a hold begun later found it gone, and delayed nothing of it but its
answer."""
LATE = "late-event"
RECORDS = frozenset({NAME, "listener", WRITER})
"""The observations the stalls are read from: the stalls, and who ran in which process."""
_LEAVING = "as the write was leaving"
_SERVED = "between the write's invoke and the delivery's read, the embedded servers with it"

Side = Literal["listener", "writer"]


@dataclass(frozen=True)
class Stall:
    """One span a process's loop was held, from `since` to `until`."""

    process: str
    since: float
    until: float

    @property
    def ms(self) -> float:
        return (self.until - self.since) * 1000


def _spans(process: str, stalls: list[tuple[float, float]]) -> list[Stall]:
    """Stalls one after another (the next one held since the watch woke from the last, with no tick on
    time between) as one span."""
    spans: list[Stall] = []
    for since, until in sorted(stalls):
        if spans and since - spans[-1].until <= STALL_TICK_S / 2:
            spans[-1] = Stall(process, spans[-1].since, max(until, spans[-1].until))
        else:
            spans.append(Stall(process, since, until))
    return spans


def _listeners(history: HistoryData) -> dict[str, str]:
    """Each listener -> the process that stamps its receipts (`listener` observations; a page's own)."""
    found: dict[str, str] = {}
    for obs in history.of_kind("listener"):
        data = obs.data if isinstance(obs.data, dict) else {}
        if obs.listener is not None and data.get("process"):
            found[obs.listener] = str(data["process"])
    return found


@dataclass(frozen=True)
class Writer:
    """A counter's process (`writer` observations), whether the harness's embedded backend and Pusher
    server run in it too (the default `stocksync run`: then its stalls may hold a write's delivery up,
    not only its sending, until the delivery is read), and the page its writes are fetched through,
    if its browser is one (whose own stalls may hold the sending up too)."""

    process: str
    servers: bool
    page: str | None = None


def _writers(history: HistoryData) -> dict[str, Writer]:
    """Each counter (its operations' actor) -> its process."""
    found: dict[str, Writer] = {}
    for obs in history.of_kind(WRITER):
        data = obs.data if isinstance(obs.data, dict) else {}
        if isinstance(data.get("actor"), str) and data.get("process"):
            page = data.get("page") if isinstance(data.get("page"), str) else None
            found[data["actor"]] = Writer(str(data["process"]), data.get("servers") is True, page)
    return found


@dataclass(frozen=True)
class Explained:
    """The stall that may have made a delivery late, how long of it (`held_s`) may have delayed it, and
    over which window of the write's a writer's stall was counted (`to`, as the cause says it)."""

    side: Side
    span: Stall
    held_s: float
    to: str = ""


class Stalls:
    """Each process's spans held, in time order, and the process each listener and counter ran in, from
    `observed`'s observations; `writes`: the operations by id, looked up for the late ones only."""

    def __init__(self, observed: HistoryData, writes: Mapping[int, Operation]) -> None:
        recorded: dict[str, list[tuple[float, float]]] = {}
        for obs in observed.of_kind(NAME):
            data = obs.data if isinstance(obs.data, dict) else {}
            held_s = data.get("held_s")
            if isinstance(held_s, int | float) and not isinstance(held_s, bool) and held_s > 0:
                recorded.setdefault(str(data.get("process")), []).append((obs.time - held_s, obs.time))
        self.observed = observed
        self.by_process = {process: _spans(process, stalls) for process, stalls in recorded.items()}
        self.listener_process = _listeners(observed)
        self.writers = _writers(observed)
        self.writes = writes

    def resumed(self, process: str, read: float) -> Stall | None:
        """The span of `process` its loop was held in, or resuming from, at `read`: begun before it
        and ended at most READ_AFTER_S before it. A frame may be read inside a span: the loop reads
        what came before the watch wakes, and a backlog read at length makes the watch late again."""
        spans = self.by_process.get(process, [])
        i = bisect.bisect_left(spans, read - READ_AFTER_S, key=lambda span: span.until)
        return spans[i] if i < len(spans) and spans[i].since < read else None

    def holding(self, process: str, start: float, end: float, begun_by: float) -> tuple[Stall, float] | None:
        """The span of `process` begun by `begun_by` held longest between `start` and `end`, and how long
        of it lay between them. One span, not their sum: the backend is blamed unless one stall alone
        may explain the lateness. Spans are apart, so their ends are in order as their starts are."""
        spans = self.by_process.get(process, [])
        first = bisect.bisect_right(spans, start, key=lambda span: span.until)
        last = bisect.bisect_right(spans, min(end, begun_by), key=lambda span: span.since)
        clipped = [(span, min(span.until, end) - max(span.since, start)) for span in spans[first:last]]
        return max(clipped, key=lambda held: held[1], default=None)

    def _writer(self, late: Finding) -> tuple[Writer, float | None] | None:
        """The process `late`'s write was sent from, and when it was answered (None: not yet)."""
        op = self.writes.get(late.operation) if late.operation is not None else None
        writer = None if op is None else self.writers.get(op.actor)
        return None if writer is None or op is None else (writer, op.complete)

    def explaining(self, late: Finding, limit_s: float) -> Explained | None:
        """The stall that may have made `late` late: its listener's, else its writer's; None if none.
        A writer's hold counts if it began while the write was still leaving (SENT_WITHIN_S), until it
        was answered or read, whichever came first; or, when the embedded servers share its process,
        any hold from the invoke until the delivery was read, which held the backend and Pusher up too.
        Its page's (the write fetched through it) as the first."""
        invoke, read = late.times.get("invoke"), late.times.get("received")
        if invoke is None or read is None:
            return None
        listener_process = self.listener_process.get(str(late.listener))
        span = None if listener_process is None else self.resumed(listener_process, read)
        if span is not None and span.since <= invoke + limit_s:
            return Explained("listener", span, span.until - span.since)
        written = self._writer(late)
        if written is None:
            return None
        writer, complete = written
        leaving = (min(read, complete if complete is not None else read), invoke + SENT_WITHIN_S, _LEAVING)
        windows = [(writer.process, (read, read, _SERVED) if writer.servers else leaving)]  # (until, begun by, said)
        windows += [(writer.page, leaving)] if writer.page is not None else []
        holds = [
            (*held, said)
            for where, (end, by, said) in windows
            if (held := self.holding(where, invoke, end, by)) is not None
        ]
        if not holds:
            return None
        span, held_s, said = max(holds, key=lambda hold: hold[1])
        if read - held_s > invoke + limit_s:
            return None
        return Explained("writer", span, held_s, to=said)

    def watches(self, late: Finding) -> bool:
        """Whether a process `late` passed through is on record: its listener's or its writer's."""
        return str(late.listener) in self.listener_process or self._writer(late) is not None


class _Wording(NamedTuple):
    """How a side's stall is told: in the finding (`group`), and on each late delivery it explains."""

    group: str
    late: str
    cause: str


_WORDING = {
    "listener": _Wording("read as the harness's own listener loop resumed from a stall",
                         "read as the harness's own listener loop resumed from a {ms} ms stall",
                         "the harness's own listener loop was held {ms} ms, from before it was due until it was read"),
    "writer": _Wording("sent as the harness's own writer process was held",
                       "sent as the harness's own writer process was held {ms} ms of its flight",
                       "the harness's own writer process was held {ms} ms {end}, as long as the delivery was late "
                       "or longer"),
}  # fmt: skip


def held(findings: Sequence[Finding], history: HistoryData, limit_s: float) -> tuple[list[Finding], int]:
    """`findings` with each late-event a stall may explain made a warning caused by it, and the one
    harness-stall finding saying so (none if no stall explains any); and how many late deliveries were
    held against their processes' stalls (what the rule judged: those of watched processes)."""
    if not any(f.name == LATE for f in findings):
        return list(findings), 0  # the history's observations are not read: a healthy run's check is not held up
    return excused(findings, Stalls(history, {op.id: op for op in history.operations}), limit_s)


def excused(findings: Sequence[Finding], stalls: Stalls, limit_s: float) -> tuple[list[Finding], int]:
    """`held`, with the stalls on record already indexed (the live check keeps them between updates)."""
    out = list(findings)
    late = [i for i, f in enumerate(findings) if f.name == LATE and f.severity == "error" and stalls.watches(f)]
    if not late or not stalls.by_process:
        return out, len(late)
    counted: dict[tuple[Side, Stall], int] = {}
    for i in late:
        found = stalls.explaining(out[i], limit_s)
        if found is None:
            continue
        counted[found.side, found.span] = counted.get((found.side, found.span), 0) + 1
        out[i] = _excused(out[i], found)
    if counted:
        out.append(_finding(counted, stalls.observed))
    return out, len(late)


def _excused(late: Finding, found: Explained) -> Finding:
    """`late` as a warning whose cause is the stall, saying how long of it may have delayed it."""
    words, ms = _WORDING[found.side], f"{found.held_s * 1000:.0f}"
    return replace(
        late,
        message=f"{late.message}, {words.late.format(ms=ms)}",
        warning=True,
        cause=f"{NAME}: {words.cause.format(ms=ms, end=found.to)}",
    )


def _clause(side: Side, spans: dict[Stall, int], history: HistoryData, first: bool) -> str:
    """What one side's stalls explain: '84 late deliveries were read as ... (once in ..., up to ...)'."""
    deliveries = sum(spans.values())
    longest = max(spans, key=lambda s: s.ms)
    times = f"{len(spans)} times" if len(spans) > 1 else "once"
    processes = len({s.process for s in spans})
    where = f"in {processes} {side} processes" if processes > 1 else f"in {side} process {longest.process}"
    were = "delivery was" if deliveries == 1 else "deliveries were"
    return (f"{deliveries} {'late ' if first else ''}{were} {_WORDING[side].group} ({times} {where}, up to "
            f"{longest.ms:.0f} ms, {when_in_run(history, longest.since)})")  # fmt: skip


def _finding(counted: dict[tuple[Side, Stall], int], history: HistoryData) -> Finding:
    """The one harness-stall finding: a clause a side, and each span with the deliveries it explains."""
    sides: dict[Side, dict[Stall, int]] = {}
    for (side, span), n in counted.items():
        sides.setdefault(side, {})[span] = n
    clauses = [_clause(side, spans, history, not i) for i, (side, spans) in enumerate(sorted(sides.items()))]
    longest = max((span for _, span in counted), key=lambda s: s.ms)
    return Finding(
        NAME,
        f"{' and '.join(clauses)}: their lateness cannot be told from the backend's",
        expected="harness processes never held while deliveries are in flight",
        actual=[
            {
                "side": side,
                "process": s.process,
                "since": round(s.since, 6),
                "until": round(s.until, 6),
                "ms": round(s.ms, 1),
                "deliveries": n,
            }
            for (side, s), n in sorted(counted.items(), key=lambda found: found[0][1].since)
        ],
        times={"since": longest.since, "until": longest.until},
    )
