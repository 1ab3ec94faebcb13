"""harness-stall: late deliveries the harness may have made late itself, held apart from the backend's.

A listener process whose loop was held (its cores busy with the harness's own load, a long garbage
collection) reads the frames that came meanwhile only when it resumes and stamps them then, so they
look late though the backend and Pusher were on time. A counter's process held between stamping a
write's invoke and sending it sends it late, and its deliveries look late alike. Each harness process
records its own stalls (`bots/loop_watch.py`: a `harness-stall` observation at its end, its process
and `held_s`); stalls one after another (the watch late again at its next tick, a backlog being read)
are one span (`stall_spans.py`). A late delivery (a missing-event whose copy came after its write
settled too, `late_copies.py`) is the harness's doubt, not the backend's failure, when
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

from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from ..record.history import HistoryData
from ..record.stall_record import STALL as NAME
from ..record.stall_record import WRITER
from .findings import Finding
from .late_copies import late_copy
from .stall_spans import Explained, Side, Stall, Stalls
from .verdict import when_in_run

LATE = "late-event"
RECORDS = frozenset({NAME, "listener", WRITER})
"""The observations the stalls are read from: the stalls, and who ran in which process."""


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
    if not any(map(read_late, findings)):
        return list(findings), 0  # the history's observations are not read: a healthy run's check is not held up
    return excused(findings, Stalls(history, {op.id: op for op in history.operations}), limit_s)


def read_late(finding: Finding) -> bool:
    """A delivery read late: a late-event, or a missing-event whose copy came after all (`late_copies`)."""
    return finding.name == LATE or late_copy(finding)


def excused(findings: Sequence[Finding], stalls: Stalls, limit_s: float) -> tuple[list[Finding], int]:
    """`held`, with the stalls on record already indexed (the live check keeps them between updates)."""
    out = list(findings)
    late = [i for i, f in enumerate(findings) if read_late(f) and f.severity == "error" and stalls.watches(f)]
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
