"""Listeners lost for good during play: a connection that ended and never subscribed again to every
channel it had.

A listener is owed a write's events only while subscribed (`owed.role`), so one that went away
mid-run is owed nothing from then on, and its silence finds nothing: each write made after it left
went unjudged for it, however that write's events went. Those still subscribed judged them, but a
browser left without its changes is the very failure the run exists to show, so the run cannot pass
(INCONCLUSIVE, one reason for all of them). Told per channel: a listener back on its list channel
whose detail channel's subscription was refused on reconnect is still lost to the detail channel's
writes. A drop the scenario caused (`planned`) excuses the gap it makes, not a listener that never
came back from it. A listener the harness lost (its worker died) is said by the verdict's own
reasons. Pure: the record in.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from ..record.history import FAILURE, HistoryData, Observation
from ..spec.contract import WRITE_KINDS
from .intake import quiesced_at

SHOWN = 5


@dataclass(frozen=True)
class Left:
    """When a listener's connection ended, with its close code, and whether the scenario ended it."""

    at: float
    code: object
    planned: bool


def _gone(connections: list[Observation]) -> dict[str, tuple[Left, list[str]]]:
    """Each listener with a channel it had when a connection ended and never subscribed again: when
    the first such end was, and the channels it came back to (none, if it never did)."""
    channels: dict[str, set[str]] = {}  # every channel each listener subscribed to so far
    gone: dict[tuple[str, str], Left] = {}  # (listener, channel) -> the end it was lost in
    for obs in sorted(connections, key=lambda o: o.time):
        listener = obs.listener or ""
        if obs.kind == "subscribed":
            gone.pop((listener, obs.channel or ""), None)
            gone.pop((listener, NONE_YET), None)
            channels.setdefault(listener, set()).add(obs.channel or "")
            continue
        data = obs.data if isinstance(obs.data, dict) else {}
        left = Left(obs.time, data.get("code"), bool(data.get("planned")))
        for channel in channels.get(listener) or {NONE_YET}:
            gone.setdefault((listener, channel), left)
    lost: dict[str, tuple[Left, list[str]]] = {}
    for (listener, _), left in sorted(gone.items(), key=lambda item: item[1].at):
        back = sorted(c for c in channels.get(listener, ()) if (listener, c) not in gone)
        lost.setdefault(listener, (left, back))
    return lost


NONE_YET = ""
"""What a listener whose connection ended before it subscribed to anything had: any subscription after
is its way back."""


def lost_listeners(history: HistoryData) -> str | None:
    """The reason a run with listeners lost for good during play, and writes made after, cannot pass."""
    end = quiesced_at(history.meta)
    died = {o.listener for o in history.of_kind(FAILURE)}
    connections = [
        o
        for o in history.observations
        if o.kind in ("subscribed", "disconnect") and o.listener is not None and o.time < end and o.listener not in died
    ]
    writes = sorted(op.invoke for op in history.operations if op.ok and op.kind in WRITE_KINDS and op.invoke < end)
    lost = {
        listener: (left, back, after)
        for listener, (left, back) in _gone(connections).items()
        if (after := len(writes) - bisect_right(writes, left.at))
    }
    if not lost:
        return None
    origin = history.meta.get("time_origin")
    zero = float(origin) if isinstance(origin, (int, float)) else 0.0
    shown = sorted(lost.items(), key=lambda item: item[1][0].at)[:SHOWN]
    named = ", ".join(_said(who, left.at - zero, left, back, n) for who, (left, back, n) in shown)
    more = f" and {len(lost) - SHOWN} more" if len(lost) > SHOWN else ""
    return (
        f"{len(lost)} listener(s) lost their connection during play and never subscribed again to every channel "
        f"they had ({named}{more}), so any of those writes owed to it went unjudged"
    )


def _said(who: str, at: float, left: Left, back: list[str], writes: int) -> str:
    how = "a drop the scenario planned" if left.planned else f"code {left.code}"
    came_back = f"; back on {', '.join(back)} only" if back else ""
    return f"{who} at {at:.1f} s ({how}; {writes} writes made after{came_back})"
