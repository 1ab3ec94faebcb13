"""Each harness process times its own loop, so lateness the harness caused is not blamed on the backend.

A listener process whose loop is held up (its cores busy with the harness's own load, a long garbage
collection, a call that blocks) reads the frames that came meanwhile only when it resumes, and stamps
them then: they look late though the backend and Pusher were on time. A counter's process held
between stamping a write's invoke and sending it makes its deliveries late alike. The watch sleeps a
tick at a time; each time it wakes STALL_S or more past its tick it records a `harness-stall`
observation at that moment (so the record stays in time order): the process, and how long its loop
may have been held (`held_s`, since the watch's previous wake; a span, not a time, so a Locust merge
that shifts a worker's times keeps it whole). `checks/harness_stalls.py` holds the late deliveries
against them. An asyncio pool is watched by a task on its loop; pysher's listeners and the counters,
which are threads, by a thread that waits for the interpreter as they do.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading

from ..record.history import History
from ..record.stall_record import STALL
from ..record.stall_record import STALL_MIN_S as STALL_S
from ..record.stall_record import STALL_TICK_S as TICK_S


def process_label(pid: int | None = None) -> str:
    """A harness process's name in the record: host and pid, unique across a Locust cluster's machines."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def page_label(listener: str) -> str:
    """A browser page's name in the record, as a process of its own: its main thread times itself
    (`page/page.js`), on the page's clock that stamps its receipts."""
    return f"{process_label()}/page/{listener}"


def writers_label() -> str:
    """The counters' threads' name in the record: watched apart from the listener loop of the same
    process, whose own work (a backlog of frames) holds that loop and not them."""
    return f"{process_label()}/writers"


class Watch:
    """The stalls of one loop (a listener pool's, or a process's threads'), recorded as it wakes under
    `process` (by default this process's `process_label`)."""

    def __init__(self, history: History, process: str | None = None) -> None:
        self.history = history
        self.process = process or process_label()
        self.last = History.now()

    def woke(self) -> None:
        now = History.now()
        if now - self.last - TICK_S >= STALL_S:
            self.history.observe(STALL, time=now, data={"process": self.process, "held_s": now - self.last})
        self.last = now

    async def run(self) -> None:
        """On the watched loop, until the loop stops or the task is cancelled."""
        self.last = History.now()
        while True:
            await asyncio.sleep(TICK_S)
            self.woke()


class ThreadWatch(Watch):
    """A daemon thread's watch, for listeners and counters that are threads: it waits for the
    interpreter as they do, so it is held when they are."""

    def __init__(self, history: History, process: str | None = None) -> None:
        super().__init__(history, process)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stocksync-loop-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.last = History.now()
        while not self._stopped.wait(TICK_S):
            self.woke()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
