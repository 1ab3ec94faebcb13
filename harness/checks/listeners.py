"""What the stream (`stream.py`) knows of its listeners, from the observations that are not receipts:
who is subscribed where and since when, who has a page to rebuild, and whom the harness lost."""

from __future__ import annotations

import math

from ..record.history import FAILURE, Observation
from .model import Interval


class Listeners:
    def __init__(self) -> None:
        self.by_channel: dict[str, dict[str, list[Interval]]] = {}  # channel -> listener -> subscriptions
        self.open: dict[str, list[Interval]] = {}  # listener -> its open subscriptions
        self.paged: set[str] = set()  # listeners with a page (a snapshot) to rebuild
        self.dead: dict[str, float] = {}  # listener -> when the harness lost it (`died`)
        self.echoing: set[str] = set()  # listeners that have had their own writes back
        self.tangled: set[str] = set()
        """Channels a listener subscribed to twice, or whose subscription ended: on any other, each
        listener has one subscription, open."""
        self.ended = 0
        """How many connections ended or listeners were lost so far: while it stays the same, every
        subscription open at a write's invoke is open still (`owed.closing`)."""

    def observe(self, obs: Observation) -> None:
        """A subscription begins, a connection ends (with each subscription it held), a page is taken,
        or a listener's recorder fails."""
        if obs.kind == "subscribed" and obs.channel:
            sub = Interval(obs.listener or "?", obs.socket_id, obs.channel, obs.time, math.inf)
            subs = self.by_channel.setdefault(obs.channel, {}).setdefault(sub.listener, [])
            if subs:
                self.tangled.add(obs.channel)
            subs.append(sub)
            self.open.setdefault(sub.listener, []).append(sub)
        elif obs.kind == "disconnect":
            self.ended += 1
            planned = isinstance(obs.data, dict) and bool(obs.data.get("planned"))
            for sub in self.open.pop(obs.listener or "?", []):
                sub.end, sub.planned_end = obs.time, planned
                self.tangled.add(sub.channel)
        elif obs.kind == "snapshot":
            self.paged.add(obs.listener or "?")
        elif obs.kind == FAILURE and obs.listener:
            self.died(obs.listener, obs.time)

    def died(self, listener: str, at: float) -> None:
        """The harness lost `listener` at `at` (its worker died): a change whose window ends later is
        not judged for it, as if it had unsubscribed then. Its miss would be the harness's, not the
        backend's; the verdict says what died (`verdict.py`)."""
        self.ended += 1
        self.dead[listener] = min(at, self.dead.get(listener, math.inf))
