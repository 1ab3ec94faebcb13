"""harness-stall: late deliveries the harness may have made late itself, held apart from the backend's.

A listener process whose loop was held (its cores busy with the harness's own load, a long garbage
collection) reads the frames that came meanwhile only when it resumes and stamps them then, so they
look late though the backend and Pusher were on time. Each listener loop records its own stalls
(`bots/loop_watch.py`: a `harness-stall` observation at its end, its process and `held_s`); stalls
one after another (the watch late again at its next tick, a backlog being read) are one span. A late
delivery is the harness's doubt, not the backend's failure, when its listener read it while its
process's loop was held or resuming from a span (within READ_AFTER_S of its end) that began before
the delivery was due (its write's invoke plus the limit): had the loop not been held, it may have read
it in time. It stays in the record as a warning whose cause is the stall, and one inconclusive finding says how
many such deliveries the harness could not judge, and how long its loops were held. A delivery read
at any other time, or due before its loop was held, is late by the backend's doing, whatever the
stalls around it, and fails the run as before. Only listeners whose process is on record
(`listener` observations: asyncio and pysher listeners, whose frames their process stamps) are held
against stalls; a page stamps its own (Chromium's clock), and a history older than the watch names
no process: their late deliveries are judged as before.

Pure: the history's observations and the findings in, the findings out.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..record.history import HistoryData
from ..record.stall_record import STALL as NAME
from ..record.stall_record import STALL_MIN_S, STALL_TICK_S
from .findings import Finding
from .verdict import when_in_run

READ_AFTER_S = STALL_MIN_S + STALL_TICK_S
"""How long after a span's end the frames it held may still be read: a loop busy reading them for
longer would have made the watch late again, extending the span."""


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


class Stalls:
    """Each process's spans held, in time order, and the process each listener ran in."""

    def __init__(self, history: HistoryData) -> None:
        recorded: dict[str, list[tuple[float, float]]] = {}
        for obs in history.of_kind(NAME):
            data = obs.data if isinstance(obs.data, dict) else {}
            held_s = data.get("held_s")
            if isinstance(held_s, int | float) and not isinstance(held_s, bool) and held_s > 0:
                recorded.setdefault(str(data.get("process")), []).append((obs.time - held_s, obs.time))
        self.by_process = {process: _spans(process, stalls) for process, stalls in recorded.items()}
        self.process_of: dict[str, str] = {}
        for obs in history.of_kind("listener"):
            data = obs.data if isinstance(obs.data, dict) else {}
            if obs.listener is not None and data.get("process"):
                self.process_of[obs.listener] = str(data["process"])

    def resumed(self, process: str, read: float) -> Stall | None:
        """The span of `process` its loop was held in, or resuming from, at `read`: begun before it
        and ended at most READ_AFTER_S before it. A frame may be read inside a span: the loop reads
        what came before the watch wakes, and a backlog read at length makes the watch late again."""
        spans = self.by_process.get(process, [])
        i = bisect.bisect_left(spans, read - READ_AFTER_S, key=lambda span: span.until)
        return spans[i] if i < len(spans) and spans[i].since < read else None


def held(findings: Sequence[Finding], history: HistoryData, limit_s: float) -> tuple[list[Finding], int]:
    """`findings` with each late-event a stall may explain made a warning caused by it, and the one
    harness-stall finding saying so (none if no stall explains any); and how many late deliveries were
    held against their process's stalls (what the rule judged: those of watched listeners)."""
    out = list(findings)
    if not any(f.name == "late-event" for f in findings):
        return out, 0  # the history's observations are not read: a healthy run's check is not held up
    stalls = Stalls(history)
    watched = stalls.process_of
    late = [
        i for i, f in enumerate(findings) if f.name == "late-event" and f.severity == "error" and f.listener in watched
    ]
    if not late or not stalls.by_process:
        return out, len(late)
    explaining: dict[Stall, int] = {}
    for i in late:
        f = out[i]
        invoke, read = f.times.get("invoke"), f.times.get("received")
        if invoke is None or read is None:
            continue
        span = stalls.resumed(watched[str(f.listener)], read)
        if span is None or span.since > invoke + limit_s:
            continue
        explaining[span] = explaining.get(span, 0) + 1
        out[i] = replace(
            f,
            message=f"{f.message}, read as the harness's own listener loop resumed from a {span.ms:.0f} ms stall",
            warning=True,
            cause=f"{NAME}: the harness's own listener loop was held {span.ms:.0f} ms, from before it was due "
            "until it was read",
        )
    if explaining:
        out.append(_finding(explaining, history))
    return out, len(late)


def _finding(explaining: dict[Stall, int], history: HistoryData) -> Finding:
    deliveries = sum(explaining.values())
    longest = max(explaining, key=lambda s: s.ms)
    times = f"{len(explaining)} times" if len(explaining) > 1 else "once"
    processes = len({s.process for s in explaining})
    where = f"in {processes} listener processes" if processes > 1 else f"in listener process {longest.process}"
    return Finding(
        NAME,
        f"{deliveries} late {'delivery was' if deliveries == 1 else 'deliveries were'} read as the harness's "
        "own listener loop resumed from a stall "
        f"({times} {where}, up to {longest.ms:.0f} ms, {when_in_run(history, longest.since)}): their lateness "
        "cannot be told from the backend's",
        expected="listener loops never held while deliveries are in flight",
        actual=[
            {
                "process": s.process,
                "since": round(s.since, 6),
                "until": round(s.until, 6),
                "ms": round(s.ms, 1),
                "deliveries": n,
            }
            for s, n in sorted(explaining.items(), key=lambda sn: sn[0].since)
        ],
        times={"since": longest.since, "until": longest.until},
    )
