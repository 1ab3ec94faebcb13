"""Frames to idle plain connections, written at the end of the event loop's turn.

A publish sends the same frame to every subscriber, and a batch (`batch_events`, up to ten) sends a
subscriber several. Written at once, each would be a send of its own, and the client a wake-up
for each; queued for a writer task, each connection's task would be woken to frame it again in
aiohttp. Here a turn's frames for a connection wait in its `unsent` list and leave in one write,
framed once for the whole fan-out (`frames.py`). A connection that is busy, has a queue, or whose
socket is not taking more (`ws.py`) gets its frames through the queue as before, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .hub import Connection


class Outbox:
    def __init__(self, over_capacity: Callable[[Connection], None]) -> None:
        """`over_capacity`: what to do with a connection whose queue is full (the hub closes it, 4100)."""
        self.over_capacity = over_capacity
        self._waiting: list[Connection] = []

    def add(self, conn: Connection, frame: str) -> None:
        """`conn` is idle (`Connection.idle`): the frame leaves with the others of this turn."""
        if not conn.unsent:
            if not self._waiting:
                asyncio.get_running_loop().call_soon(self.flush)
            self._waiting.append(conn)
        conn.unsent.append(frame)

    def flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        for conn in waiting:
            frames, conn.unsent = conn.unsent, []
            if conn.closed or not frames or (conn.write is not None and conn.write(frames)):
                continue
            for frame in frames:  # the socket is not taking more: the queue and its writer, in order
                if not conn.send(frame):
                    self.over_capacity(conn)
                    break
