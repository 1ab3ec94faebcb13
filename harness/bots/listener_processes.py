"""Asyncio listeners spread over worker processes, so a fleet uses every core.

One process's event loop holds a few thousand listeners before delivery latency climbs
(bench/capacity.py). Past that, each worker process runs an `AsyncListenerPool` of its own
and records its receipts into a history file of its own, compressed and never held in
memory, so a worker's footprint stays flat however long the run. The parent keeps only
what it must decide with: which listeners are subscribed, which were refused, how many
receipts arrived. When the fleet stops, the workers' records are folded into the run's
one history, exactly as if the listeners had been local.

Workers are plain `python -m harness.bots.listener_worker` processes on a socket pair, not
multiprocessing's spawn, which would re-run the caller's main script in each. The parent polls
its pipes instead of blocking on them: under Locust, threads are
greenlets, and a blocking read would freeze the whole worker.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..record.history import FAILURE, History, load
from ..record.history_read import PART_PREFIX, stem
from .endpoint import PusherEndpoint
from .listener_worker import STATUS_EVERY_S
from .loop_watch import process_label

STOP_TIMEOUT_S = 60.0
AUTO_FROM = 1000  # viewers from which `processes = 0` (auto) spreads them over every core


def processes_for(asked: int, listeners: int) -> int:
    """0 means auto: one process per core once there are enough listeners to need them, else none."""
    if asked:
        return asked
    return (os.cpu_count() or 1) if listeners >= AUTO_FROM else 1


@dataclass
class RemoteRecorder:
    """What the parent knows of a listener in a worker process, kept current by its status messages."""

    name: str
    channels: list[str]
    socket_id: str | None = None
    subscribed: set[str] = field(default_factory=set)
    last_error: str | None = None
    receipts = 0  # counted per process (`ListenerProcess.receipts`), not per listener

    @property
    def ready(self) -> bool:
        return self.socket_id is not None and self.subscribed >= set(self.channels)


class RemoteListener:
    kind = "asyncio"

    def __init__(self, recorder: RemoteRecorder, process: ListenerProcess) -> None:
        self.recorder = recorder
        self.process = process

    @property
    def name(self) -> str:
        return self.recorder.name

    def start(self) -> None:
        self.process.send(("add", self.name, self.recorder.channels))

    def drop(self) -> None:
        self.process.send(("drop", self.name))

    def stop(self) -> None:
        """The process stops all its listeners at once (`ListenerProcess.stop`)."""


class ListenerProcess:
    """One worker process and the parent's view of it. If it dies before it was asked to stop, that is
    the harness's own failure: `on_death` is told at once, with the last moment it was known alive."""

    def __init__(
        self,
        endpoint: PusherEndpoint,
        history_path: Path,
        time_origin: float,
        on_death: Callable[[ListenerProcess, str], object] | None = None,
    ) -> None:
        ours, theirs = socket.socketpair()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "harness.bots.listener_worker", str(theirs.fileno())], pass_fds=[theirs.fileno()]
        )
        theirs.close()
        self._conn = Connection(ours.detach())
        self._conn.send((endpoint, str(history_path), time_origin))
        self.history_path = history_path
        self.recorders: dict[str, RemoteRecorder] = {}
        self.receipts = 0
        self.failure: str | None = None
        self.alive_at = History.now()  # everything it recorded before this is on disk (its last status)
        self._on_death = on_death
        self._lock = threading.Lock()
        self._stopping = False
        self._stopped = threading.Event()
        self._reader = threading.Thread(target=self._read, name="stocksync-listener-process", daemon=True)
        self._reader.start()

    @property
    def label(self) -> str:
        """Its name in the record, as its own loop watch gives it (`loop_watch.process_label`)."""
        return process_label(self.pid)

    def add(self, name: str, channels: list[str]) -> RemoteListener:
        recorder = self.recorders[name] = RemoteRecorder(name, list(channels))
        return RemoteListener(recorder, self)

    def send(self, message: tuple[Any, ...]) -> None:
        """To a process that died, nothing: its death is recorded where it is noticed (`_died`)."""
        with self._lock, contextlib.suppress(OSError):
            if not self._stopped.is_set():
                self._conn.send(message)

    @property
    def pid(self) -> int:
        return self._process.pid

    def _read(self) -> None:
        while not self._stopped.is_set():
            try:
                if not self._conn.poll():
                    if self._process.poll() is not None:
                        return self._died()
                    time.sleep(STATUS_EVERY_S / 2)
                    continue
                message = self._conn.recv()
            except (EOFError, OSError):
                return self._died()
            self._apply(message)

    def _died(self) -> None:
        """Its pipe closed or it exited, unasked: said once, however it was noticed."""
        if self._stopping or self._stopped.is_set():
            return
        try:
            code = self._process.wait(STATUS_EVERY_S * 10)
        except subprocess.TimeoutExpired:
            code = None
        how = "its pipe closed" if code is None else (f"killed by signal {-code}" if code < 0 else f"exit {code}")
        self.failure = f"listener process {self.pid} died ({how})"
        if self._on_death is not None:
            self._on_death(self, how)

    def _apply(self, message: tuple[Any, ...]) -> None:
        tag, receipts, changes, self.alive_at = message
        self.receipts = receipts
        for name, socket_id, subscribed, error in changes:
            recorder = self.recorders[name]
            recorder.socket_id, recorder.subscribed, recorder.last_error = socket_id, set(subscribed), error
        if tag == "stopped":
            self._stopped.set()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            if self._process.poll() is None:
                try:
                    self._conn.send(("stop",))
                except OSError:
                    pass
        try:
            self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._stopped.set()
        self._reader.join(5)
        self._conn.close()


class ListenerProcesses:
    """Round-robin placement of listeners over `count` worker processes, started on first use."""

    def __init__(self, endpoint: PusherEndpoint, history: History, count: int) -> None:
        self.endpoint = endpoint
        self.history = history
        self.count = count
        self.processes: list[ListenerProcess] = []
        self._placed = 0
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def _folder(self) -> Path:
        if self.history.path is not None:
            return self.history.path.parent
        self._scratch = self._scratch or tempfile.TemporaryDirectory(prefix="stocksync-listeners-")
        return Path(self._scratch.name)

    def _stem(self) -> str:
        """Parts are named after their history, so that two runs sharing a folder keep theirs apart."""
        return stem(self.history.path) if self.history.path is not None else "history"

    def add(self, name: str, channels: list[str]) -> RemoteListener:
        if not self.processes:
            self._start()
        process = self.processes[self._placed % len(self.processes)]
        self._placed += 1
        return process.add(name, channels)

    def _start(self) -> None:
        """Each worker's file is named a part of the history as it is created (`History.add_part`):
        a run killed at any moment after still names it."""
        origin = float(self.history.data.meta["time_origin"])
        for n in range(1, self.count + 1):
            path = self._folder() / f"{PART_PREFIX}{n}.{self._stem()}.jsonl.zst"
            if self.history.path is not None:
                self.history.add_part(f"listener-process-{n}", path)
            self.processes.append(ListenerProcess(self.endpoint, path, origin, functools.partial(self._died, n)))

    def _died(self, number: int, process: ListenerProcess, how: str) -> None:
        """A worker died mid-run: the harness's own failure, recorded the moment it is noticed, once for
        each of its listeners (so each listener's stream knows, `checks.stream`), dated the last moment
        it was known alive: what its listeners were owed after that is not judged."""
        data = {"what": f"listener process {number} (pid {process.pid})", "detail": how,
                "part": process.history_path.name, "noticed": History.now()}  # fmt: skip
        names: list[str | None] = [*process.recorders] or [None]
        for name in names:
            self.history.observe(FAILURE, time=process.alive_at, listener=name, data=data)

    def receipts(self) -> int:
        return sum(p.receipts for p in self.processes)

    def failures(self) -> list[str]:
        return [p.failure for p in self.processes if p.failure]

    def errors(self) -> list[str]:
        return [r.last_error for p in self.processes for r in p.recorders.values() if r.last_error]

    def stop(self) -> None:
        """Stop every worker. Each one's file is already a part of the run's history (`_start`), read
        after it as a segment of its own: out of time order against the run's records, so the streamed
        final check reads each segment with a stream of its own. Never copied: an hour's receipts took
        a quarter of an hour to re-encode. A history with no file takes their records in."""
        for process in self.processes:
            process.stop()
        for number, process in enumerate(self.processes, 1):
            if self.history.path is not None or not process.history_path.exists():
                continue
            self.history.begin_segment(f"listener-process-{number}")
            load(process.history_path, lambda obs: self.history.append(obs, live=False))
        self.processes = []
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
