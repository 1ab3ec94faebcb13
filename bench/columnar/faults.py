"""Delivery faults put into a synthetic history, so the prototype's counts are held against the
checker's on something other than zeros. `harness.testing.history_with` makes only healthy
histories; this drops, duplicates, delays past the limit and reorders a few copies, chosen by
their position so every run of the bench and the test faults the same receipts."""

from __future__ import annotations

import dataclasses

from harness.record.history import HistoryData

REORDER_S = 0.3  # under the limit, past the next write of the same line (LINES writes later)
LATE_S = 2.5  # over the synthetic history's 2,000 ms limit, well inside the checker's grace


def with_faults(history: HistoryData, every: int = 997) -> HistoryData:
    """Every `every`-th receipt, in turn: dropped, copied again 2 ms later, delayed LATE_S, delayed
    REORDER_S. The observations are sorted by time again, as a run's file is."""
    kept = []
    receipts = 0
    for obs in history.observations:
        if obs.kind != "receipt":
            kept.append(obs)
            continue
        receipts += 1
        fault = receipts // every % 4 if receipts % every == 0 else None
        if fault == 0:
            continue
        kept.append(obs)
        if fault == 1:
            kept.append(dataclasses.replace(obs, time=obs.time + 0.002))
        elif fault in (2, 3):
            kept[-1] = dataclasses.replace(obs, time=obs.time + (LATE_S if fault == 2 else REORDER_S))
    kept.sort(key=lambda o: o.time)
    return HistoryData(meta=dict(history.meta), operations=history.operations, observations=kept)
