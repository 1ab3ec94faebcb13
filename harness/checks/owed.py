"""Who is owed which event: each successful write, against every listener's subscriptions.

A listener is owed an event when one connection of it was subscribed to the channel from
before the write was invoked until the delivery window closed (completion + latency
limit, or the run's quiescence if that came first: listeners stop after it). If it was
subscribed at the invoke but its connection ended inside the window, a miss is a gap, not a
missing event. The originator's own connection is owed nothing; if it gets the event anyway,
that is a self-echo.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..contract import Contract
from ..history import HistoryData, Operation
from .model import Interval, Key, expected_event, intervals, stocktake_of

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
    planned_gap: bool = False


def _role(subs: list[Interval], op: Operation, window_end: float) -> tuple[str, Interval] | None:
    """DELIVER/ECHO if one connection covered the whole window; GAP if the listener was on the
    page (first subscribed before the invoke, not yet gone for good) but a disconnect broke
    the window; None if it arrived later or had left. The originator's own connection is owed
    nothing however it ends: ECHO, so only an echo that arrives is judged."""
    for sub in subs:
        if sub.start <= op.invoke and sub.end >= window_end:
            return (ECHO if _own(op, sub) else DELIVER), sub
    before = [sub for sub in subs if sub.start <= op.invoke]
    if before and op.invoke < max(sub.end for sub in subs):
        return (ECHO if _own(op, before[-1]) else GAP), before[-1]
    return None


def _own(op: Operation, sub: Interval) -> bool:
    return bool(op.socket_id) and sub.socket_id == op.socket_id


def expectations(history: HistoryData, contract: Contract, window: float) -> list[Expectation]:
    subs_by = intervals(history)
    by_channel: dict[str, list[tuple[str, list[Interval]]]] = defaultdict(list)
    for (listener, channel), subs in subs_by.items():
        by_channel[channel].append((listener, subs))
    quiesced = history.meta.get("quiesced_at", float("inf"))
    out = []
    for op in history.operations:
        if not op.ok or op.complete is None or op.invoke >= quiesced:
            continue  # after quiescence only target-mode cleanup writes, and no one is listening
        key, fp, payload = expected_event(op)
        for event, channel in contract.expected(op.kind, op.hotel, stocktake_of(op)):
            for listener, subs in by_channel.get(channel, ()):
                role = _role(subs, op, min(op.complete + window, quiesced))
                if role is not None and key is not None:
                    out.append(
                        Expectation(
                            op,
                            listener,
                            channel,
                            event,
                            key,
                            fp,
                            payload,
                            role[0],
                            role[0] == GAP and role[1].planned_end,
                        )
                    )
    return out
