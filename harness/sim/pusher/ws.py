"""The WebSocket side of the embedded Pusher server: `/app/{key}`.

One reader (this handler), one writer task draining the connection's queue (a frame goes
straight to the socket when nothing is queued: `outbox.py`), and one activity watchdog per
connection. Bad frames get `pusher:error` and the connection
lives on, as with real Pusher; only protocol-level failures close it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from ...spec.channel_kinds import is_presence, needs_auth
from . import protocol
from .appkey import SERVER
from .frames import text_frame
from .hub import Close, Connection, Member
from .protocol import ProtocolError, SubscriptionRefused
from .signing import channel_auth

if TYPE_CHECKING:
    from .server import PusherServer


DIRECT_BUFFER_LIMIT = 64 * 1024
"""Bytes waiting in a socket's buffer past which frames queue instead (a client not keeping up)."""


def _direct(transport: asyncio.Transport) -> Callable[[list[str]], bool]:
    """Writes frames straight to the socket in one write (each framed once for a fan-out), if it will
    take them now."""

    def write(frames: list[str]) -> bool:
        if transport.is_closing() or transport.get_write_buffer_size() > DIRECT_BUFFER_LIMIT:
            return False
        transport.write(b"".join(map(text_frame, frames)))  # one frame: join hands back that very bytes
        return True

    return write


async def _writer(ws: web.WebSocketResponse, conn: Connection) -> None:
    while True:
        item = conn.taken(await conn.queue.get())
        conn.busy = True
        if isinstance(item, Close):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(protocol.error_frame(item.message, item.code))
            await ws.close(code=item.code, message=item.message.encode()[:120])
            return
        try:
            await ws.send_str(item)
        except (ConnectionError, RuntimeError):
            return
        conn.busy = False


class _Session:
    """Per-connection protocol state; lives exactly as long as the socket."""

    def __init__(self, server: PusherServer, ws: web.WebSocketResponse, conn: Connection) -> None:
        self.server = server
        self.ws = ws
        self.conn = conn
        self.last_seen = time.monotonic()
        self.activity = asyncio.Event()

    async def watchdog(self) -> None:
        """Ping after activity_timeout of silence; close 4201 if nothing comes back in time."""
        cfg = self.server.config
        while not self.conn.closed:
            idle = time.monotonic() - self.last_seen
            if idle < cfg.activity_timeout:
                await asyncio.sleep(cfg.activity_timeout - idle)
                continue
            self.activity.clear()
            self.send(protocol.encode("pusher:ping", "{}"))
            try:
                await asyncio.wait_for(self.activity.wait(), cfg.pong_timeout)
            except TimeoutError:
                self.server.hub.close(self.conn, protocol.PONG_NOT_RECEIVED, "Pong reply not received")
                return

    def send(self, frame: str) -> None:
        """Every frame to this client, pongs and errors included, goes through the hub's bounded
        queue: a client that does not read is closed (4100), never silently skipped."""
        self.server.hub.deliver(self.conn, frame)

    def error(self, message: str, code: int | None = None) -> None:
        self.send(protocol.error_frame(message, code))

    def handle(self, text: str) -> None:
        self.last_seen = time.monotonic()
        self.activity.set()
        try:
            frame = protocol.parse_client_frame(text)
            self._dispatch(frame.event, frame.data, frame.channel)
        except ProtocolError as exc:
            self.error(exc.message, exc.code)

    def _dispatch(self, event: str, data: Any, channel: str | None) -> None:
        if event == "pusher:ping":
            self.send(protocol.encode("pusher:pong", "{}"))
        elif event == "pusher:pong":
            return
        elif event == "pusher:subscribe":
            self._subscribe(data)
        elif event == "pusher:unsubscribe":
            name = data.get("channel") if isinstance(data, dict) else None
            if not isinstance(name, str):
                raise ProtocolError("pusher:unsubscribe needs data.channel")
            self.server.hub.unsubscribe(self.conn, name)
        elif event.startswith("client-"):
            self._client_event(event, data, channel)
        else:
            raise ProtocolError(f"Unsupported event {event!r}")

    def _subscribe(self, data: Any) -> None:
        channel, auth, channel_data = protocol.subscription_request(data)
        member = None
        if needs_auth(channel):
            cfg = self.server.config
            signed_data = channel_data if is_presence(channel) else None
            expected = channel_auth(cfg.key, cfg.secret, self.conn.socket_id, channel, signed_data)
            if auth != expected:
                raise ProtocolError(
                    f"Invalid signature: expected HMAC SHA256 hex digest of "
                    f"{self.conn.socket_id}:{channel}{':' + signed_data if signed_data else ''}"
                )
        if channel in self.conn.channels:
            return
        try:
            if is_presence(channel):
                member = Member(*protocol.presence_member(channel_data))
            result = self.server.hub.subscribe(self.conn, channel, member)
        except SubscriptionRefused as refused:
            self.send(protocol.subscription_error(channel, refused))
            return
        self.send(protocol.encode("pusher_internal:subscription_succeeded", result, channel))

    def _client_event(self, event: str, data: Any, channel: str | None) -> None:
        if channel is None or not needs_auth(channel):
            raise ProtocolError("Client events are only allowed on private and presence channels")
        if channel not in self.conn.channels:
            raise ProtocolError(f"Client event on {channel!r} which this connection has not subscribed")
        if len(json.dumps(data).encode()) > protocol.MAX_DATA_BYTES:
            raise ProtocolError("Client event data is over 10 KB")
        now = time.monotonic()
        window = self.conn.client_events
        while window and now - window[0] > 1.0:
            window.popleft()
        if len(window) >= protocol.CLIENT_EVENTS_PER_SECOND:
            raise ProtocolError("Client event rejected due to rate limit", protocol.CLIENT_EVENT_RATE_LIMIT)
        window.append(now)
        self.server.hub.client_event(self.conn, channel, event, data)


async def _refuse(ws: web.WebSocketResponse, message: str, code: int) -> web.WebSocketResponse:
    await ws.send_str(protocol.error_frame(message, code))
    await ws.close(code=code, message=message.encode()[:120])
    return ws


async def websocket_handler(request: web.Request) -> web.WebSocketResponse:
    server: PusherServer = request.app[SERVER]
    ws = web.WebSocketResponse(autoping=True, max_msg_size=64 * 1024)
    await ws.prepare(request)
    if request.match_info["key"] != server.config.key:
        return await _refuse(ws, f"Application does not exist: {request.match_info['key']!r}", protocol.APP_NOT_FOUND)
    try:
        protocol.check_protocol(request.query.get("protocol"))
    except ProtocolError as exc:
        return await _refuse(ws, exc.message, exc.code or protocol.UNSUPPORTED_PROTOCOL)

    conn = server.hub.connect()
    transport = request.transport
    if transport is not None:
        conn.abort = transport.abort
        if not ws.compress:  # a compressed connection's frames are aiohttp's to deflate
            conn.write = _direct(transport)
    server.sockets.add(ws)
    session = _Session(server, ws, conn)
    session.send(protocol.connection_established(conn.socket_id, server.config.activity_timeout))
    tasks = [asyncio.create_task(_writer(ws, conn)), asyncio.create_task(session.watchdog())]
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                session.handle(msg.data)
            elif msg.type == WSMsgType.BINARY:
                session.error("Binary frames are not supported")
    finally:
        server.sockets.discard(ws)
        server.hub.disconnect(conn)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return ws
