"""Listeners lost for good during play: a connection that ended unplanned and never subscribed again.

A listener is owed a write's events only while subscribed (`owed.role`), so one that went away
mid-run is owed nothing from then on, and its silence finds nothing: each write made after it left
went unjudged for it, however that write's events went. Those still subscribed judged them, but a
browser left without its changes is the very failure the run exists to show, so the run cannot pass
(INCONCLUSIVE, one reason for all of them). A drop the scenario caused (`planned`) is its own doing;
a listener the harness lost (its worker died) is said by the verdict's own reasons. Pure: the record in.
"""

from __future__ import annotations

from bisect import bisect_right

from ..record.history import FAILURE, HistoryData
from ..spec.contract import WRITE_KINDS
from .intake import quiesced_at

SHOWN = 5


def lost_listeners(history: HistoryData) -> str | None:
    """The reason a run with listeners lost for good during play, and writes made after, cannot pass."""
    end = quiesced_at(history.meta)
    gone: dict[str, tuple[float, object]] = {}  # listener -> when its connection ended unplanned, its code
    died = {o.listener for o in history.of_kind(FAILURE)}
    connections = [o for o in history.observations if o.kind in ("subscribed", "disconnect")]
    for obs in sorted(connections, key=lambda o: o.time):
        if obs.listener is None or obs.time >= end or obs.listener in died:
            continue
        if obs.kind == "subscribed":
            gone.pop(obs.listener, None)
        elif obs.kind == "disconnect":
            data = obs.data if isinstance(obs.data, dict) else {}
            if not data.get("planned"):
                gone.setdefault(obs.listener, (obs.time, data.get("code")))
    writes = sorted(op.invoke for op in history.operations if op.ok and op.kind in WRITE_KINDS and op.invoke < end)
    after = {listener: (at, code, len(writes) - bisect_right(writes, at)) for listener, (at, code) in gone.items()}
    lost = {listener: left for listener, left in after.items() if left[2]}
    if not lost:
        return None
    origin = history.meta.get("time_origin")
    zero = float(origin) if isinstance(origin, (int, float)) else 0.0
    shown = sorted(lost.items(), key=lambda item: item[1][0])[:SHOWN]
    named = ", ".join(
        f"{who} at {at - zero:.1f} s (code {code}; {n} writes made after)" for who, (at, code, n) in shown
    )
    more = f" and {len(lost) - SHOWN} more" if len(lost) > SHOWN else ""
    return (
        f"{len(lost)} listener(s) lost their connection during play and never subscribed again ({named}{more}), "
        "so any of those writes owed to it went unjudged"
    )
