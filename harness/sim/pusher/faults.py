"""Delivery faults the embedded Pusher server can inject, decided by a seeded RNG.

Each decision is made per (connection, event) so that one listener can lose an event
its neighbour still gets: that is what a real fan-out fault looks like, and what the
checker must attribute to the right listener. Every injected fault is logged, so a
test can hold the checker's findings against what was really done.
"""

from __future__ import annotations

import fnmatch
import json
import random
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Generic, TypeVar

from ...spec.delivery_faults import KINDS, DeliveryFaults

LOG_LIMIT = 100_000  # records kept for /_harness/log; older ones are counted, not kept
T = TypeVar("T")


class Ring(Generic[T]):
    """The newest LOG_LIMIT records, and how many older ones fell off: a log that cannot grow
    without bound, and says when it has forgotten something."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._items: deque[T] = deque(maxlen=limit)
        self.dropped = 0

    def append(self, item: T) -> None:
        self.dropped += len(self._items) == self._items.maxlen
        self._items.append(item)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items))

    @property
    def appended(self) -> int:
        """Every record ever appended, those forgotten included."""
        return len(self._items) + self.dropped


@dataclass(frozen=True)
class InjectedFault:
    kind: str
    socket_id: str
    channel: str
    event: str
    at: float


class FaultInjector:
    """Decides which fault, if any, hits one delivery, and remembers what it did."""

    def __init__(self, config: DeliveryFaults, log_path: Path | None = None) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self.log: Ring[InjectedFault] = Ring()
        self._log_path = log_path

    def decide(self, socket_id: str, channel: str, event: str) -> str | None:
        cfg = self.config
        if not cfg.active or event.startswith("pusher"):
            return None
        if not (fnmatch.fnmatchcase(channel, cfg.channel) and fnmatch.fnmatchcase(event, cfg.event)):
            return None
        for kind in KINDS:
            rate = cfg.rates.get(kind, 0.0)
            if rate and self._rng.random() < rate:
                self._record(InjectedFault(kind, socket_id, channel, event, time.time()))
                return kind
        return None

    def _record(self, fault: InjectedFault) -> None:
        with self._lock:
            self.log.append(fault)
            if self._log_path is not None:
                with self._log_path.open("a") as fh:
                    fh.write(json.dumps(asdict(fault)) + "\n")

    def injected(self) -> list[InjectedFault]:
        with self._lock:
            return list(self.log)
