"""harness-stall: late deliveries the harness may have made late itself, held apart from the backend's.

A listener process whose loop was held (its cores busy with the harness's own load, a long garbage
collection) reads the frames that came meanwhile only when it resumes and stamps them then, so they
look late though the backend and Pusher were on time. Each listener loop records its own stalls
(`bots/loop_watch.py`: a `harness-stall` observation at its end, its process and `held_s`). A late delivery is
the harness's doubt, not the backend's failure, when its lateness (its latency past the limit) is no
more than the time its listener's process was held while it was in flight, give or take the watch's
tick: it stays in the record as a warning whose cause is the stall, and one inconclusive finding says
how many such deliveries the harness could not judge, and how long its loops were held. Lateness
past every stall is the backend's and fails the run as before. Only listeners whose process is on
record (`listener` observations: asyncio and pysher listeners, whose frames their process stamps) are
held against stalls; a page stamps its own (Chromium's clock), and a history older than the watch
names no process: their late deliveries are judged as before.

Pure: the history's observations and the findings in, the findings out.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..record.history import HistoryData
from .findings import Finding

NAME = "harness-stall"
TICK_S = 0.02
"""The watch's tick (`bots/loop_watch.TICK_S`): how far past a stall's recorded span a delivery's
reading may lie (the frames it held are read as it ends)."""
EVERY = "*"


@dataclass(frozen=True)
class Stall:
    process: str
    since: float
    until: float

    @property
    def ms(self) -> float:
        return (self.until - self.since) * 1000


class Stalls:
    """Each process's recorded stalls, in time order, and the process each listener ran in."""

    def __init__(self, history: HistoryData) -> None:
        by_process: dict[str, list[Stall]] = {}
        for obs in history.of_kind(NAME):
            data = obs.data if isinstance(obs.data, dict) else {}
            held_s = data.get("held_s")
            if isinstance(held_s, int | float) and not isinstance(held_s, bool) and held_s > 0:
                process = str(data.get("process") or EVERY)
                by_process.setdefault(process, []).append(Stall(process, obs.time - held_s, obs.time))
        self.by_process = {process: sorted(stalls, key=lambda s: s.since) for process, stalls in by_process.items()}
        self.ends = {process: [s.until for s in stalls] for process, stalls in self.by_process.items()}
        self.process_of: dict[str, str] = {}
        for obs in history.of_kind("listener"):
            data = obs.data if isinstance(obs.data, dict) else {}
            if obs.listener is not None and data.get("process"):
                self.process_of[obs.listener] = str(data["process"])

    def during(self, process: str, start: float, end: float) -> list[Stall]:
        """The stalls of `process` (and any on record without one) that overlap (start, end)."""
        found = []
        for name in (process, EVERY):
            stalls = self.by_process.get(name, [])
            i = bisect.bisect_right(self.ends.get(name, []), start)
            while i < len(stalls) and stalls[i].since < end:
                found.append(stalls[i])
                i += 1
        return found


def held(findings: Sequence[Finding], history: HistoryData, limit_s: float) -> tuple[list[Finding], int]:
    """`findings` with each late-event a stall may explain made a warning caused by it, and the one
    harness-stall finding saying so (none if no stall explains any); and how many late deliveries were
    held against their process's stalls (what the rule judged: those of watched listeners)."""
    stalls = Stalls(history)
    watched = stalls.process_of
    late = [
        i for i, f in enumerate(findings) if f.name == "late-event" and f.severity == "error" and f.listener in watched
    ]
    out = list(findings)
    if not late or not stalls.by_process:
        return out, len(late)
    explaining: dict[Stall, int] = {}
    for i in late:
        f = out[i]
        start, end = f.times.get("invoke"), f.times.get("received")
        if start is None or end is None or f.listener is None:
            continue
        during = stalls.during(watched[f.listener], start, end)
        held_s = sum(min(s.until, end) - max(s.since, start) for s in during)
        if not during or end - start - limit_s > held_s + TICK_S:
            continue
        longest = max(during, key=lambda s: s.ms)
        explaining[longest] = explaining.get(longest, 0) + 1
        out[i] = replace(
            f,
            message=f"{f.message}, read as the harness's own listener loop resumed from a {longest.ms:.0f} ms stall",
            warning=True,
            cause=f"{NAME}: the harness's own listener loop was held {held_s * 1000:.0f} ms while it was in flight",
        )
    if explaining:
        out.append(_finding(explaining, history))
    return out, len(late)


def _finding(explaining: dict[Stall, int], history: HistoryData) -> Finding:
    deliveries = sum(explaining.values())
    longest = max(explaining, key=lambda s: s.ms)
    origin = history.meta.get("time_origin")
    at = longest.since - origin if isinstance(origin, int | float) and not isinstance(origin, bool) else longest.since
    times = f"{len(explaining)} times" if len(explaining) > 1 else "once"
    processes = len({s.process for s in explaining})
    where = f"in {processes} listener processes" if processes > 1 else f"in listener process {longest.process}"
    return Finding(
        NAME,
        f"{deliveries} late {'delivery was' if deliveries == 1 else 'deliveries were'} read as the harness's "
        "own listener loop resumed from a stall "
        f"({times} {where}, up to {longest.ms:.0f} ms, {at:.1f} s into the run): their lateness cannot be "
        "told from the backend's",
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
