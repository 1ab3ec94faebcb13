"""A listener worker process (`listener_processes`): listeners on one event loop, receipts to its own file.

Started as `python -m harness.bots.listener_worker FD`, FD one end of a socket pair; the first
message on it says where to connect and where to record, then `add` / `drop` / `stop` commands
arrive and status messages go back (`ListenerProcess._apply` reads them). Each status says when the
process was last alive with everything before then on disk: if it dies, the parent names that moment.
"""

from __future__ import annotations

import gc
import signal
import sys
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..record.history import History
from .async_listener import AsyncListener, AsyncListenerPool
from .endpoint import PusherEndpoint
from .recorder import ListenerRecorder

STATUS_EVERY_S = 0.1


def serve(endpoint: PusherEndpoint, history_path: str, time_origin: float, conn: Connection) -> None:
    """The worker process: listeners on one event loop, receipts straight to its own file."""
    history = History(Path(history_path), {"time_origin": time_origin, "role": "listener-process"}, retain=False)
    pool = AsyncListenerPool(history)
    listeners: dict[str, AsyncListener] = {}
    sent: dict[str, tuple[Any, ...]] = {}
    changed: deque[str] = deque()  # names whose state changed (appended from the loop's thread)
    frozen = False

    def changes() -> list[tuple[Any, ...]]:
        out = []
        while changed:
            name = changed.popleft()
            r = listeners[name].recorder
            state = (name, r.socket_id, sorted(r.subscribed), r.last_error)
            if sent.get(name) != state:
                sent[name] = state
                out.append(state)
        return out

    try:
        while True:
            if conn.poll(STATUS_EVERY_S):
                message = conn.recv()
                if message[0] == "stop":
                    break
                if message[0] == "add":
                    _, name, channels = message
                    recorder = ListenerRecorder(name, channels, history, on_change=changed.append)
                    listeners[name] = AsyncListener(endpoint, recorder, pool)
                    listeners[name].start()
                elif message[0] == "drop":
                    listeners[message[1]].drop()
                continue
            news = changes()
            if not frozen and news and all(lr.recorder.ready for lr in listeners.values()):
                gc.freeze()  # as ListenerFleet does: full collections no longer walk the listeners' heap
                frozen = True
            alive_at = history.flush()  # what it recorded before then is on disk, should it die now
            conn.send(("status", history.receipts, news, alive_at))
    except (EOFError, OSError):
        pass
    with ThreadPoolExecutor(32) as closing:
        list(closing.map(lambda listener: listener.stop(), listeners.values()))
    pool.close()
    history.close()
    try:
        conn.send(("stopped", history.receipts, changes(), History.now()))
    except OSError:
        pass


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole process group: the parent interrupts the run and stops
    # this process in its turn (`stop`); dying here of the signal would be a worker lost mid-run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection = Connection(int(sys.argv[1]))
    endpoint, history_path, time_origin = connection.recv()
    serve(endpoint, history_path, time_origin, connection)
