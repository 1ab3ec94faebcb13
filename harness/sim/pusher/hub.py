"""Connections, channel membership and fan-out: the state of the embedded Pusher server.

Fan-out never waits on a client: a frame to a connection with nothing queued leaves at the end
of the loop's turn (`outbox.py`), and otherwise goes into the connection's queue, which a writer
task drains. One slow or dead client therefore costs the publisher nothing, and a
client whose queue overflows, in frames or in characters, is cut off (4100) instead of being waited
on: a count alone lets a client that stopped reading hold ten thousand 10 KB frames.
All methods run on the server's event loop thread.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import protocol
from .faults import FaultInjector
from .outbox import Outbox
from .protocol import MAX_PRESENCE_MEMBERS, PRESENCE_FULL, Publish, SubscriptionRefused

QUEUE_CHARS = 2 * 1024 * 1024
"""Characters (bytes, for the ASCII JSON of frames) one connection may have queued."""


@dataclass(frozen=True)
class Close:
    """Queued after the frames before it, so a fault's disconnect lands in order."""

    code: int
    message: str


@dataclass
class Member:
    user_id: str
    user_info: Any


@dataclass(eq=False)
class Connection:
    socket_id: str
    queue: asyncio.Queue[str | Close]
    channels: dict[str, Member | None] = field(default_factory=dict)
    held: str | None = None
    client_events: deque[float] = field(default_factory=deque)
    closed: bool = False
    abort: Callable[[], None] = lambda: None
    write: Callable[[list[str]], bool] | None = None  # straight to the socket, if it takes them now (`ws.py`)
    busy: bool = False  # the writer task is sending: a frame written straight now would overtake it
    unsent: list[str] = field(default_factory=list)  # in the outbox, leaving at the end of this turn
    queued_chars: int = 0
    queue_chars: int = QUEUE_CHARS

    @property
    def idle(self) -> bool:
        """Nothing queued or being sent: a frame may go straight to the socket (`outbox.py`)."""
        return self.write is not None and not self.busy and self.queue.empty()

    def send(self, frame: str | Close) -> bool:
        """Queued for the writer task, after any frame still in the outbox; False when the queue is
        full in frames or in characters."""
        try:
            for waiting in [*self.unsent, frame]:
                self._put(waiting)
            self.unsent.clear()
            return True
        except asyncio.QueueFull:
            return False

    def _put(self, frame: str | Close) -> None:
        size = len(frame) if isinstance(frame, str) else 0
        if self.queued_chars + size > self.queue_chars:
            raise asyncio.QueueFull
        self.queue.put_nowait(frame)
        self.queued_chars += size

    def taken(self, frame: str | Close) -> str | Close:
        """What the writer took off the queue, no longer counted against it."""
        self.queued_chars -= len(frame) if isinstance(frame, str) else 0
        return frame


class Hub:
    def __init__(self, faults: FaultInjector, queue_limit: int = 10_000, queue_chars: int = QUEUE_CHARS) -> None:
        self.faults = faults
        self.queue_limit = queue_limit
        self.queue_chars = queue_chars
        self.connections: dict[str, Connection] = {}
        self.channels: dict[str, dict[str, Connection]] = {}
        self._ids = itertools.count(random.randint(1000, 9999))
        self.published = 0
        self.outbox = Outbox(self._over_capacity)

    def connect(self) -> Connection:
        socket_id = f"{next(self._ids)}.{random.randint(1, 9_999_999)}"
        conn = Connection(socket_id, asyncio.Queue(self.queue_limit), queue_chars=self.queue_chars)
        self.connections[socket_id] = conn
        return conn

    def disconnect(self, conn: Connection) -> None:
        conn.closed = True
        self.connections.pop(conn.socket_id, None)
        for channel in list(conn.channels):
            self.unsubscribe(conn, channel)

    def subscribe(self, conn: Connection, channel: str, member: Member | None) -> str:
        """Add conn to channel; returns the subscription_succeeded data string. A presence channel
        takes at most MAX_PRESENCE_MEMBERS users, as Pusher's do."""
        if member is not None and not self._has_user(channel, member.user_id):
            if len(self.members(channel)) >= MAX_PRESENCE_MEMBERS:
                raise SubscriptionRefused(
                    "LimitReached", f"presence channels take at most {MAX_PRESENCE_MEMBERS} members", PRESENCE_FULL
                )
            added = json.dumps({"user_id": member.user_id, "user_info": member.user_info})
            self._broadcast(channel, protocol.encode("pusher_internal:member_added", added, channel), conn)
        self.channels.setdefault(channel, {})[conn.socket_id] = conn
        conn.channels[channel] = member
        if member is None:
            return "{}"
        members = self.members(channel)
        return json.dumps({"presence": {"ids": list(members), "hash": members, "count": len(members)}})

    def unsubscribe(self, conn: Connection, channel: str) -> None:
        member = conn.channels.pop(channel, None)
        subscribers = self.channels.get(channel)
        if subscribers is None:
            return
        subscribers.pop(conn.socket_id, None)
        if not subscribers:
            del self.channels[channel]
        elif member is not None and not self._has_user(channel, member.user_id):
            removed = json.dumps({"user_id": member.user_id})
            self._broadcast(channel, protocol.encode("pusher_internal:member_removed", removed, channel), None)

    def members(self, channel: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for conn in self.channels.get(channel, {}).values():
            member = conn.channels.get(channel)
            if member is not None:
                found.setdefault(member.user_id, member.user_info)
        return found

    def _has_user(self, channel: str, user_id: str) -> bool:
        return user_id in self.members(channel)

    def _broadcast(self, channel: str, frame: str, exclude: Connection | None) -> None:
        for conn in list(self.channels.get(channel, {}).values()):
            if conn is not exclude:
                self.deliver(conn, frame)

    def publish(self, publish: Publish) -> None:
        self.published += 1
        for channel in publish.channels:
            frame = protocol.encode(publish.name, publish.data, channel)
            for conn in list(self.channels.get(channel, {}).values()):
                if conn.socket_id != publish.socket_id:
                    self._deliver(conn, frame, channel, publish.name)

    def client_event(self, sender: Connection, channel: str, event: str, data: Any) -> None:
        """Client events reach everyone on the channel but the sender (presence adds user_id)."""
        member = sender.channels.get(channel)
        frame: dict[str, Any] = {"event": event, "channel": channel, "data": data}
        if member is not None:
            frame["user_id"] = member.user_id
        text = json.dumps(frame, separators=(",", ":"))
        for conn in list(self.channels.get(channel, {}).values()):
            if conn is not sender:
                self._deliver(conn, text, channel, event)

    def _deliver(self, conn: Connection, frame: str, channel: str, event: str) -> None:
        kind = self.faults.decide(conn.socket_id, channel, event)
        if kind == "drop":
            return
        if kind == "disconnect":
            self.close(conn, protocol.RECONNECT_NOW, "Injected disconnect: reconnect now")
            return
        if kind == "delay":
            loop = asyncio.get_running_loop()
            loop.call_later(self.faults.config.delay_ms / 1000, self.deliver, conn, frame)
            return
        if kind == "error-frame":  # the event still follows: only clients that act on the error lose it
            self.deliver(conn, protocol.error_frame("Injected error: reconnect now", protocol.RECONNECT_NOW))
        if kind == "reorder" and conn.held is None:
            conn.held = frame
            asyncio.get_running_loop().call_later(1.0, self._release_held, conn, frame)
            return
        self.deliver(conn, frame)
        if kind == "duplicate":
            self.deliver(conn, frame)
        self._release_held(conn, conn.held)

    def _release_held(self, conn: Connection, frame: str | None) -> None:
        if frame is not None and conn.held is frame:
            conn.held = None
            self.deliver(conn, frame)

    def deliver(self, conn: Connection, frame: str | Close) -> None:
        """The one way a frame reaches a client: the outbox, else queued, else the client is closed
        as over capacity."""
        if conn.closed:
            return
        if isinstance(frame, str) and conn.idle:
            self.outbox.add(conn, frame)
        elif not conn.send(frame):
            self._over_capacity(conn)

    def _over_capacity(self, conn: Connection) -> None:
        """Its queue is full: a close queued behind it would never reach a client that is not reading
        (a queue full in characters still takes a close), so it is cut off at once."""
        if not conn.closed:
            conn.closed = True
            self._abort(conn)

    def close(self, conn: Connection, code: int, message: str) -> None:
        """Close after what is already queued; a client that stopped reading is aborted at once."""
        if conn.closed:
            return
        conn.closed = True
        if not conn.send(Close(code, message)):
            self._abort(conn)

    def _abort(self, conn: Connection) -> None:
        self.disconnect(conn)
        conn.abort()
