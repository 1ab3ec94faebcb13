"""The whole run on one axis, binned so that a run of any length fits (never silently cut).

Rows: every actor (counters, managers, intruders) with its writes answered ok or not per bin;
one row of all deliveries; and a row for each listener that had a finding or lost its
connection (at most MAX_LISTENER_ROWS; the rest are in the deliveries row, and the count of
those left out is said). Findings are marked per bin and name. Times are seconds from the
run's first record. Pure: history and findings in, plain data out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ..checks.findings import Finding
from ..record.history import HistoryData

BINS = 120
MAX_LISTENER_ROWS = 24


def _bin(t: float, t0: float, width: float) -> int:
    return min(BINS - 1, max(0, int((t - t0) / width)))


def timeline(history: HistoryData, findings: list[Finding]) -> dict[str, Any]:
    """Receipts are taken from the history, or from its tally when it kept none (a streamed check's)."""
    tally = history.tally
    times = [op.invoke for op in history.operations] + [o.time for o in history.observations]
    if tally is not None and tally.by_listener:
        times += [tally.first, tally.last]
    t0 = min(times, default=0.0)
    end = max([*times, *(op.complete or op.invoke for op in history.operations)], default=t0) - t0
    width = max(end, 1e-3) / BINS
    actors: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"ok": [0] * BINS, "failed": [0] * BINS})
    for op in history.operations:
        actors[op.actor]["ok" if op.ok else "failed"][_bin(op.invoke, t0, width)] += 1
    deliveries = [0] * BINS
    listeners: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {"receipts": [0] * BINS, "connects": [0] * BINS, "disconnects": [0] * BINS}
    )
    troubled: set[str] = {f.listener for f in findings if f.listener}
    quiesced = float(history.meta.get("quiesced_at") or "inf")
    for obs in history.observations:
        if obs.kind == "receipt":
            deliveries[_bin(obs.time, t0, width)] += 1
        if obs.kind == "disconnect" and obs.listener and obs.time < quiesced:
            troubled.add(obs.listener)  # a connection lost during the run, not the fleet stopping after it
        if obs.kind in ("receipt", "connect", "disconnect") and obs.listener:
            listeners[obs.listener][obs.kind + "s"][_bin(obs.time, t0, width)] += 1
    known = troubled & {*listeners, *(tally.by_listener if tally is not None else ())}
    shown = sorted(known)[:MAX_LISTENER_ROWS]
    if tally is not None:
        for middle, n in tally.counted(every=True):
            deliveries[_bin(middle, t0, width)] += n
        for name in shown:
            for middle, n in tally.counted(name):
                listeners[name]["receipts"][_bin(middle, t0, width)] += n
    marks: Counter[tuple[int, str]] = Counter()
    for f in findings:
        at = min(f.times.values()) if f.times else None
        if at is not None:
            marks[(_bin(at, t0, width), f.name)] += 1
    return {
        "t0": t0,
        "end_s": round(end, 3),
        "bins": BINS,
        "actors": {name: rows for name, rows in sorted(actors.items())},
        "deliveries": deliveries,
        "listeners": {name: listeners[name] for name in shown},
        "listeners_left_out": len(known) - len(shown),
        "marks": [{"bin": b, "name": name, "count": n} for (b, name), n in sorted(marks.items())],
    }
