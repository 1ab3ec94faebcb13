"""Who is owed which event: each successful write, against every listener's subscriptions.

A listener is owed an event when one connection of it was subscribed to the channel from
before the write was invoked until the delivery window closed (completion + latency
limit, or the run's quiescence if that came first: listeners stop after it). If it was
subscribed at the invoke but its connection ended inside the window, a miss is a gap, not a
missing event. The originator's own connection is owed nothing; if it gets the event anyway,
that is a self-echo.

The stream check (`stream.py`) asks twice. When a write is invoked it asks who *may* be owed
(`owed_at_invoke`: every listener subscribed to the channel by then), so that their receipts can
match it. When its window has closed it asks `role` again, with the subscriptions as they turned
out, and only then judges a delivery that never came.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..record.history import Operation
from ..spec.contract import Contract
from .listeners import Listeners
from .model import Interval, Key, Receipt, expected_event, stocktake_of

DELIVER, ECHO, GAP = "deliver", "echo", "gap"


@dataclass(slots=True)
class Expectation:
    op: Operation
    listener: str
    channel: str
    event: str
    key: Key
    fingerprint: object
    payload: object
    role: str
    subs: list[Interval]
    matched: bool = False
    planned_gap: bool = False
    parked: Parked | None = None
    """A copy of a text the listener already had, which may be this write's stale event: judged at the
    window's close unless this write's own event comes first (then the copy is a duplicate)."""


Copies = tuple[float, int | None, float]
"""A listener's copies of a text on a channel (`Payload.held`): its first one's time, the write its
latest matched, its latest one's time."""


@dataclass(slots=True)
class Parked:
    receipt: Receipt
    before: Copies  # the listener's copies of its text before


def role(subs: list[Interval], op: Operation, window_end: float) -> tuple[str, Interval] | None:
    """DELIVER/ECHO if one connection covered the whole window; GAP if the listener was on the
    page (first subscribed before the invoke, not yet gone for good) but a disconnect broke
    the window; None if it arrived later or had left. The originator's own connection is owed
    nothing however it ends: ECHO, so only an echo that arrives is judged."""
    invoke = op.invoke
    for sub in subs:
        if sub.start <= invoke and sub.end >= window_end:
            return (ECHO if _own(op, sub) else DELIVER), sub
    last = _latest_by(subs, invoke)
    if last is not None and invoke < max(sub.end for sub in subs):
        return (ECHO if _own(op, last) else GAP), last
    return None


def missed(exp: Expectation) -> bool:
    """Owed (its role known, at its window's close) and not delivered; an echo is owed nothing."""
    return bool(exp.role) and exp.role != ECHO and not exp.matched


def closing(
    expectations: list[Expectation], op: Operation, window_end: float, dead: dict[str, float], steady: bool = False
) -> tuple[list[str], list[Expectation]]:
    """At the window's close, each expectation's `role` as the subscriptions turned out (none for a
    listener the harness lost before the end, `dead`); the roles there are, and the expectations
    missed (owed, and not delivered). `steady`: each listener had one subscription, open at the invoke,
    and no connection has ended since: that one covers the window, so each role is the one given at
    the invoke (`owed_at_invoke`), as `role` would find."""
    if steady and not dead:
        return [exp.role for exp in expectations], [e for e in expectations if e.role != ECHO and not e.matched]
    roles: list[str] = []
    unmet: list[Expectation] = []
    invoke, socket_id = op.invoke, op.socket_id
    for exp in expectations:
        subs = exp.subs
        only = subs[0] if len(subs) == 1 else None
        if only is not None and only.start <= invoke and only.end >= window_end:  # `role`, for one connection
            exp.role = ECHO if socket_id and only.socket_id == socket_id else DELIVER  # planned_gap stays False
        else:
            turned_out = role(subs, op, window_end)
            if turned_out is None:
                exp.role, exp.planned_gap = "", False
                continue
            exp.role = turned_out[0]
            exp.planned_gap = exp.role == GAP and turned_out[1].planned_end
        if dead and not dead.get(exp.listener, math.inf) >= window_end:
            exp.role, exp.planned_gap = "", False
            continue
        roles.append(exp.role)
        if exp.role != ECHO and not exp.matched:  # `missed`, its role known
            unmet.append(exp)
    return roles, unmet


def _latest_by(subs: list[Interval], invoke: float) -> Interval | None:
    """The listener's latest subscription begun by `invoke`, if any."""
    for sub in reversed(subs):
        if sub.start <= invoke:
            return sub
    return None


def _own(op: Operation, sub: Interval) -> bool:
    return bool(op.socket_id) and sub.socket_id == op.socket_id


def owed_at_invoke(
    op: Operation,
    contract: Contract,
    listeners: Listeners,
    groups: dict[tuple[str, str, str, object], list[Expectation]],
) -> tuple[list[Expectation], bool]:
    """The write's expectations as far as its invoke tells: every listener subscribed to one of its
    channels by then, ECHO on the connection that sent it; and whether each of them has just the one
    subscription to it, open since before the invoke (`closing`'s `steady`). `listeners.by_channel` is
    channel -> listener -> subscriptions, the lists the stream keeps growing (so `role` later sees how
    they ended). `groups`: the stream's (`delivery.Group`, by (listener, channel, event, entity)),
    which each joins in the same pass."""
    key, fp, payload = expected_event(op)
    if key is None:
        return [], False
    out = []
    steady = True
    invoke, socket_id = op.invoke, op.socket_id
    by_channel, tangled = listeners.by_channel, listeners.tangled
    for event, channel in contract.expected(op.kind, op.hotel, stocktake_of(op)):
        steady = steady and channel not in tangled
        for listener, subs in by_channel.get(channel, {}).items():
            last = subs[-1]
            if last.start > invoke:
                steady = False
                earlier = _latest_by(subs, invoke)
                if earlier is None:
                    continue
                last = earlier
            first = ECHO if socket_id and last.socket_id == socket_id else DELIVER  # `_own`, for every listener
            exp = Expectation(op, listener, channel, event, key, fp, payload, first, subs)
            out.append(exp)
            group = groups.get(at := (listener, channel, event, key))
            if group is None:
                groups[at] = [exp]
            else:
                group.append(exp)
    return out, steady
