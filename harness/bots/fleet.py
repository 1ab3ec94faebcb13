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
from ..record.history import History
from ..record.stall_record import WRITER
from ..waiting import TimedOut, wait_until
from .async_listener import AsyncListener, AsyncListenerPool
from .browser_listener import BrowserListener
from .browser_runtime import BrowserPool
from .endpoint import PusherEndpoint
from .listener_processes import ListenerProcesses, RemoteRecorder
from .loop_watch import ThreadWatch, process_label, writers_label
from .pysher_listener import PysherListener
from .recorder import ListenerRecorder, SubscribedHook


class Listener(Protocol):
    @property
    def recorder(self) -> ListenerRecorder | RemoteRecorder: ...

    @property
    def name(self) -> str: ...

    def start(self) -> None: ...

    def drop(self) -> None: ...

    def stop(self) -> None: ...


REFUSED_GRACE_S = 2.0


class ListenerFleet:
    def __init__(self, endpoint: PusherEndpoint, history: History, kind: str, processes: int = 1) -> None:
        """`processes` > 1 spreads asyncio listeners that need no page model (no `on_subscribed`) over
        that many worker processes (`listener_processes`); the rest stay in this one."""
        self.endpoint = endpoint
        self.history = history
        self.kind = kind
        self.listeners: list[Listener] = []
        self._pool: AsyncListenerPool | None = None
        self._threads: ThreadWatch | None = None  # pysher's listeners' watch, started with the first
        self._writers: ThreadWatch | None = None  # the counters' threads' watch (`watch_writer`)
        self._browsers: BrowserPool | None = None
        self._remote = ListenerProcesses(endpoint, history, processes) if kind == "asyncio" and processes > 1 else None

    def add(
        self,
        name: str,
        channels: list[str],
        on_subscribed: SubscribedHook | None = None,
        local: bool = False,
        kind: str | None = None,
    ) -> Listener:
        """`local` keeps a listener in this process even when others go to worker processes: a counter's
        own browser, whose socket_id its writes must carry the moment it changes. `kind` overrides the
        fleet's kind for this one listener (a browser page among asyncio viewers)."""
        kind = kind or self.kind
        listener: Listener
        if self._remote is not None and kind == "asyncio" and on_subscribed is None and not local:
            remote = self._remote.add(name, channels)
            listener, process = remote, remote.process.label
        else:
            listener = self._local(kind, ListenerRecorder(name, channels, self.history, on_subscribed))
            process = listener.process if isinstance(listener, BrowserListener) else process_label()
        data = {"kind": kind, "channels": list(channels), "process": process}
        self.history.observe("listener", listener=name, data=data)
        self.listeners.append(listener)
        listener.start()
        return listener

    def _local(self, kind: str, recorder: ListenerRecorder) -> Listener:
        """A listener in this process, its kind's shared pool started on first use."""
        if kind == "browser":
            self._browsers = self._browsers or BrowserPool()
            return BrowserListener(self.endpoint, recorder, self._browsers)
        if kind == "asyncio":
            self._pool = self._pool or AsyncListenerPool(self.history)
            return AsyncListener(self.endpoint, recorder, self._pool)
        self._threads = self._threads or ThreadWatch(self.history)
        return PysherListener(self.endpoint, recorder)

    def watch_writer(self, actor: str, servers: bool, page: Listener | None = None) -> None:
        """This process sends `actor`'s writes (and runs the embedded servers, if `servers`), through
        `page` if it is a browser's (its fetch). The counters' threads are watched (`loop_watch`) by a
        thread of their own, under a name of their own (`writers_label`), and the record says so (a
        `writer` observation, naming the page's process too), so the check may hold their stalls
        against the write's deliveries."""
        self._writers = self._writers or ThreadWatch(self.history, writers_label())
        through = page.process if isinstance(page, BrowserListener) else None
        data = {"actor": actor, "process": self._writers.process, "servers": servers, "page": through}
        self.history.observe(WRITER, data=data)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Also gives up early when the server refused a connection outright (a pusher:error such as
        4001 unknown app key) and nothing got better for REFUSED_GRACE_S: waiting longer won't help."""
        started = time.monotonic()
        refused_at: list[float] = []

        def settled() -> str | None:
            if all(listener.recorder.ready for listener in self.listeners):
                return "ready"
            if not refused_at and self._refused():
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
        if self._remote is not None:
            errors += self._remote.failures() + self._remote.errors()
        detail = f"; errors: {'; '.join(sorted(set(filter(None, errors)))[:3])}" if errors else ""
        raise ListenersNotReady(
            f"{len(late)} listener(s) not subscribed after {time.monotonic() - started:.0f}s "
            f"(e.g. {', '.join(late[:3])}){detail}"
        )

    def _refused(self) -> bool:
        """A connection refused outright (an error on no channel), here or in a listener process."""
        if any(o.channel is None for o in self.history.data.of_kind("subscription-error")):
            return True
        remote = self._remote
        return remote is not None and bool(remote.failures() or remote.errors())

    def receipts(self) -> int:
        local = sum(listener.recorder.receipts for listener in self.listeners)
        return local + (self._remote.receipts() if self._remote is not None else 0)

    def stop(self) -> None:
        if self.listeners:
            with ThreadPoolExecutor(min(32, len(self.listeners))) as pool:
                list(pool.map(lambda listener: listener.stop(), self.listeners))
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        for watch in (self._threads, self._writers):
            if watch is not None:
                watch.stop()
        self._threads = self._writers = None
        if self._browsers is not None:
            self._browsers.close()
            self._browsers = None
        if self._remote is not None:
            self._remote.stop()
        gc.unfreeze()
