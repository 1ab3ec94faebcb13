"""The spans each harness process's loop was held, and who ran where: what `harness_stalls` holds a
late delivery against.

Each harness process records its own stalls (`bots/loop_watch.py`: a `harness-stall` observation at its
end, its process and `held_s`); stalls one after another (the watch late again at its next tick, a
backlog being read) are one span. A listener's receipts are stamped by its process (`listener`
observations name it), a counter's writes sent from its (`writer` observations), and a stall explains
a late delivery only within the bounds `Stalls.explaining` says.

Pure: a history's observations in, the spans and the stall explaining a delivery out.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ..record.history import HistoryData, Operation
from ..record.stall_record import STALL as NAME
from ..record.stall_record import STALL_MIN_S, STALL_TICK_S, WRITER
from .findings import Finding

READ_AFTER_S = STALL_MIN_S + STALL_TICK_S
"""How long after a span's end the frames it held may still be read: a loop busy reading them for
longer would have made the watch late again, extending the span."""
SENT_WITHIN_S = STALL_MIN_S + STALL_TICK_S
"""How soon after its invoke a write has left the harness (a request built and sent, or handed to a
page to fetch), less a stall: a hold begun later found it gone, and delayed nothing of it but its
answer."""
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
