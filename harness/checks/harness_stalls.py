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
- its write's process (`writer` observations name each counter's) was held during the write's
  flight, from its invoke to its answer, for as long as the delivery was late or longer: had the
  write gone out at its invoke, it may have come in time.
It stays in the record as a warning whose cause is the stall, and one inconclusive finding says how
many such deliveries the harness could not judge, and how long its processes were held. A delivery
read at any other time, or due before its loop was held, or later than its writer's stall explains,
is late by the backend's doing, whatever the stalls around it, and fails the run as before. Only
processes on record are held against stalls: a page stamps its own receipts (Chromium's clock), and
a history older than the watches names no process; such late deliveries are judged as before.

Pure: the history's observations and the findings in, the findings out.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

from ..record.history import HistoryData
from ..record.stall_record import STALL as NAME
from ..record.stall_record import STALL_MIN_S, STALL_TICK_S, WRITER
from .findings import Finding
from .verdict import when_in_run

READ_AFTER_S = STALL_MIN_S + STALL_TICK_S
"""How long after a span's end the frames it held may still be read: a loop busy reading them for
longer would have made the watch late again, extending the span."""

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

    def held_after(self, moment: float) -> float:
        return self.until - max(self.since, moment)


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


def _processes(history: HistoryData, kind: str, name_of: str) -> dict[str, str]:
    """Each name (`listener` observations' listener, `writer` ones' actor) -> the process it ran in."""
    found: dict[str, str] = {}
    for obs in history.of_kind(kind):
        data = obs.data if isinstance(obs.data, dict) else {}
        name = obs.listener if name_of == "listener" else data.get(name_of)
        if isinstance(name, str) and data.get("process"):
            found[name] = str(data["process"])
    return found


class Stalls:
    """Each process's spans held, in time order, and the process each listener and counter ran in."""

    def __init__(self, history: HistoryData) -> None:
        recorded: dict[str, list[tuple[float, float]]] = {}
        for obs in history.of_kind(NAME):
            data = obs.data if isinstance(obs.data, dict) else {}
            held_s = data.get("held_s")
            if isinstance(held_s, int | float) and not isinstance(held_s, bool) and held_s > 0:
                recorded.setdefault(str(data.get("process")), []).append((obs.time - held_s, obs.time))
        self.by_process = {process: _spans(process, stalls) for process, stalls in recorded.items()}
        self.listener_process = _processes(history, "listener", "listener")
        self.writer_process = _processes(history, WRITER, "actor")
        self._actors = {op.id: op.actor for op in history.operations} if self.writer_process else {}

    def resumed(self, process: str, read: float) -> Stall | None:
        """The span of `process` its loop was held in, or resuming from, at `read`: begun before it
        and ended at most READ_AFTER_S before it. A frame may be read inside a span: the loop reads
        what came before the watch wakes, and a backlog read at length makes the watch late again."""
        spans = self.by_process.get(process, [])
        i = bisect.bisect_left(spans, read - READ_AFTER_S, key=lambda span: span.until)
        return spans[i] if i < len(spans) and spans[i].since < read else None

    def holding(self, process: str, invoke: float, answered: float) -> Stall | None:
        """The span of `process` held longest after `invoke`, among those held during the write's
        flight (from `invoke` to `answered`): the longest its sending may have been put off. One span,
        not their sum: a write goes out once, and stalls while its answer is awaited delay nothing."""
        spans = self.by_process.get(process, [])
        i = bisect.bisect_right(spans, invoke, key=lambda span: span.until)
        during = [span for span in spans[i:] if span.since < answered]
        return max(during, key=lambda span: span.held_after(invoke), default=None)

    def explaining(self, late: Finding, limit_s: float) -> tuple[Side, Stall] | None:
        """The stall that may have made `late` late: its listener's, else its writer's; None if none."""
        invoke, read = late.times.get("invoke"), late.times.get("received")
        if invoke is None or read is None:
            return None
        listener_process = self.listener_process.get(str(late.listener))
        span = None if listener_process is None else self.resumed(listener_process, read)
        if span is not None and span.since <= invoke + limit_s:
            return "listener", span
        writer_process = self.writer_process.get(self._actors.get(late.operation or -1, ""))
        answered = late.times.get("complete", invoke)
        span = None if writer_process is None else self.holding(writer_process, invoke, max(answered, invoke))
        if span is not None and read - span.held_after(invoke) <= invoke + limit_s:
            return "writer", span
        return None

    def watches(self, late: Finding) -> bool:
        """Whether a process `late` passed through is on record: its listener's or its writer's."""
        return str(late.listener) in self.listener_process or (
            self._actors.get(late.operation or -1, "") in self.writer_process
        )


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
                       "sent as the harness's own writer process was held {ms} ms",
                       "the harness's own writer process was held {ms} ms while the write was in flight, as long "
                       "as the delivery was late or longer"),
}  # fmt: skip


def held(findings: Sequence[Finding], history: HistoryData, limit_s: float) -> tuple[list[Finding], int]:
    """`findings` with each late-event a stall may explain made a warning caused by it, and the one
    harness-stall finding saying so (none if no stall explains any); and how many late deliveries were
    held against their processes' stalls (what the rule judged: those of watched processes)."""
    out = list(findings)
    if not any(f.name == "late-event" for f in findings):
        return out, 0  # the history's observations are not read: a healthy run's check is not held up
    stalls = Stalls(history)
    late = [i for i, f in enumerate(findings) if f.name == "late-event" and f.severity == "error" and stalls.watches(f)]
    if not late or not stalls.by_process:
        return out, len(late)
    explaining: dict[tuple[Side, Stall], int] = {}
    for i in late:
        found = stalls.explaining(out[i], limit_s)
        if found is None:
            continue
        explaining[found] = explaining.get(found, 0) + 1
        side, span = found
        words, ms = _WORDING[side], f"{span.ms:.0f}"
        out[i] = replace(
            out[i],
            message=f"{out[i].message}, {words.late.format(ms=ms)}",
            warning=True,
            cause=f"{NAME}: {words.cause.format(ms=ms)}",
        )
    if explaining:
        out.append(_finding(explaining, history))
    return out, len(late)


def _clause(side: Side, explaining: dict[Stall, int], history: HistoryData, first: bool) -> str:
    """What one side's stalls explain: '84 late deliveries were read as ... (once in ..., up to ...)'."""
    deliveries = sum(explaining.values())
    longest = max(explaining, key=lambda s: s.ms)
    times = f"{len(explaining)} times" if len(explaining) > 1 else "once"
    processes = len({s.process for s in explaining})
    where = f"in {processes} {side} processes" if processes > 1 else f"in {side} process {longest.process}"
    were = "delivery was" if deliveries == 1 else "deliveries were"
    return (f"{deliveries} {'late ' if first else ''}{were} {_WORDING[side].group} ({times} {where}, up to "
            f"{longest.ms:.0f} ms, {when_in_run(history, longest.since)})")  # fmt: skip


def _finding(explaining: dict[tuple[Side, Stall], int], history: HistoryData) -> Finding:
    sides: dict[Side, dict[Stall, int]] = {}
    for (side, span), n in explaining.items():
        sides.setdefault(side, {})[span] = n
    clauses = [_clause(side, spans, history, not i) for i, (side, spans) in enumerate(sorted(sides.items()))]
    longest = max((span for _, span in explaining), key=lambda s: s.ms)
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
            for (side, s), n in sorted(explaining.items(), key=lambda found: found[0][1].since)
        ],
        times={"since": longest.since, "until": longest.until},
    )
