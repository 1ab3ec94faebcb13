"""Broadcasting with the official `pusher` SDK, as the Django backend's pusher_utils does.

`Broadcast` values say what the contract wants sent; the `Broadcaster` sends them and is
the one place where the delivery-side backend faults (names, skipping, doubling, echo,
channel, delay) bend what goes out. Trigger errors are swallowed and kept, the way a
view that wraps its trigger in try/except would.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pusher

from ..pusher.faults import Ring

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Broadcast:
    channel: str
    event: str
    data: dict[str, Any]


def list_channel(hotel: str) -> str:
    return f"{hotel}-stocktakes"


def detail_channel(hotel: str, stocktake_id: int) -> str:
    return f"{hotel}-stocktake-{stocktake_id}"


@dataclass
class BackendFaults:
    """Enabled backend faults with their rates; `hits` draws from one seeded RNG."""

    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    slow_ms: int = 1500

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._request = threading.local()
        self.log: Ring[dict[str, Any]] = Ring()

    def serving(self, operation: str | None) -> None:
        """The harness operation (its X-Stocksync-Operation header) this thread now serves, so each
        fault that hits is logged against the operation it bent: evidence, as the Pusher server keeps."""
        self._request.operation = operation

    def hits(self, name: str, operation: str | None = None) -> bool:
        rate = self.rates.get(name, 0.0)
        if rate <= 0:
            return False
        with self._lock:
            hit = self._rng.random() < rate
        if hit:
            op = operation if operation is not None else getattr(self._request, "operation", None)
            self.log.append({"kind": name, "layer": "backend", "operation": op, "at": time.time()})
        return hit


@dataclass(frozen=True)
class TriggerError:
    event: str
    channel: str
    error: str
    at: float


class Broadcaster:
    def __init__(
        self, client: pusher.Pusher, faults: BackendFaults, channel_prefix: str = "", stale: pusher.Pusher | None = None
    ) -> None:
        """`stale`: the same client signing with another secret, as a backend whose settings hold an old
        PUSHER_SECRET (the wrong-pusher-secret fault sends through it, and the Pusher server refuses)."""
        self.client = client
        self.stale = stale
        self.faults = faults
        self.channel_prefix = channel_prefix
        self.errors: list[TriggerError] = []

    def send(self, broadcasts: list[Broadcast], socket_id: str | None) -> None:
        for item in broadcasts:
            self._send_one(item, socket_id)

    def _send_one(self, item: Broadcast, socket_id: str | None) -> None:
        faults = self.faults
        if faults.hits("swallowed-broadcast"):
            log.info("fault swallowed-broadcast: %s on %s not sent", item.event, item.channel)
            return
        event = item.event.replace("-", "_") if faults.hits("underscore-event-names") else item.event
        channel = item.channel
        if event.startswith(("line-", "line_")) and faults.hits("wrong-channel"):
            channel = list_channel(channel.split("-stocktake-")[0])
        channel = self.channel_prefix + channel
        if faults.hits("ignore-socket-id"):
            socket_id = None
        if faults.hits("slow-trigger"):
            time.sleep(faults.slow_ms / 1000)
        copies = 2 if faults.hits("double-broadcast") else 1
        client = self.stale if self.stale is not None and faults.hits("wrong-pusher-secret") else self.client
        for _ in range(copies):
            try:
                client.trigger(channel, event, item.data, socket_id)
            except Exception as exc:
                log.info("trigger of %s on %s failed: %s", event, channel, exc)
                self.errors.append(TriggerError(event, channel, str(exc), time.time()))
