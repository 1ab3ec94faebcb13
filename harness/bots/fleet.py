"""A run's listeners, of either kind, started, awaited and stopped together.

Once they are all subscribed, the process's objects are frozen out of the cyclic GC
(`gc.freeze`) until the fleet stops. Thousands of connections are a large heap that lives
the whole run, and the receipts that keep arriving set off full collections that walk it
all: stalls that read as delivery latency (bench/capacity.py measures them). Frozen, a full
collection walks only what the run has added since.
"""

from __future__ import annotations

import gc
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from ..errors import ListenersNotReady
from ..history import History
from ..waiting import TimedOut, wait_until
from .async_listener import AsyncListener, AsyncListenerPool
from .endpoint import PusherEndpoint
from .pysher_listener import PysherListener
from .recorder import ListenerRecorder, SubscribedHook


class Listener(Protocol):
    recorder: ListenerRecorder

    @property
    def name(self) -> str: ...

    def start(self) -> None: ...

    def drop(self) -> None: ...

    def stop(self) -> None: ...


REFUSED_GRACE_S = 2.0


class ListenerFleet:
    def __init__(self, endpoint: PusherEndpoint, history: History, kind: str) -> None:
        self.endpoint = endpoint
        self.history = history
        self.kind = kind
        self.listeners: list[Listener] = []
        self._pool: AsyncListenerPool | None = None

    def add(self, name: str, channels: list[str], on_subscribed: SubscribedHook | None = None) -> Listener:
        recorder = ListenerRecorder(name, channels, self.history, on_subscribed)
        listener: Listener
        if self.kind == "asyncio":
            if self._pool is None:
                self._pool = AsyncListenerPool()
            listener = AsyncListener(self.endpoint, recorder, self._pool)
        else:
            listener = PysherListener(self.endpoint, recorder)
        self.listeners.append(listener)
        listener.start()
        return listener

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Also gives up early when the server refused a connection outright (a pusher:error such as
        4001 unknown app key) and nothing got better for REFUSED_GRACE_S: waiting longer won't help."""
        started = time.monotonic()
        refused_at: list[float] = []

        def settled() -> str | None:
            if all(listener.recorder.ready for listener in self.listeners):
                return "ready"
            if not refused_at and any(o.channel is None for o in self.history.data.of_kind("subscription-error")):
                refused_at.append(time.monotonic())
            return "refused" if refused_at and time.monotonic() - refused_at[0] > REFUSED_GRACE_S else None

        try:
            if wait_until(settled, timeout, 0.02) == "ready":
                gc.freeze()
                return
        except TimedOut:
            pass
        late = [listener.name for listener in self.listeners if not listener.recorder.ready]
        errors = [
            o.data.get("message") for o in self.history.data.of_kind("subscription-error") if isinstance(o.data, dict)
        ]
        detail = f"; errors: {'; '.join(sorted(set(filter(None, errors)))[:3])}" if errors else ""
        raise ListenersNotReady(
            f"{len(late)} listener(s) not subscribed after {time.monotonic() - started:.0f}s "
            f"(e.g. {', '.join(late[:3])}){detail}"
        )

    def receipts(self) -> int:
        return sum(listener.recorder.receipts for listener in self.listeners)

    def stop(self) -> None:
        if self.listeners:
            with ThreadPoolExecutor(min(32, len(self.listeners))) as pool:
                list(pool.map(lambda listener: listener.stop(), self.listeners))
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        gc.unfreeze()
