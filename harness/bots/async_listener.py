"""Many listeners in one process: the Pusher protocol on aiohttp, on one event loop.

A pysher connection costs two threads; here a listener is one coroutine, so a process
holds thousands. It speaks the same protocol and records through the same
`ListenerRecorder`, and follows Pusher's close-code rules for reconnecting: 4000-4099
stop, 4100-4199 back off, 4200-4299 reconnect at once. A frame it cannot read is recorded
(`frame-error`) and the listener listens on, as pusher-js and pysher do.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from typing import Any

import aiohttp

from ..errors import AuthRefused
from ..record.history import History
from ..runtime import new_event_loop
from ..spec.channel_kinds import needs_auth
from .endpoint import PusherEndpoint
from .loop_watch import Watch
from .recorder import ListenerRecorder

BACKOFF_S = 1.0
PING_AFTER_S = 60.0


def parsed_frame(text: str) -> dict[str, Any]:
    """A frame from the server, checked for what the listener acts on (an object; event and channel
    strings; connection_established's data an object with a socket_id, which replaces its text;
    pusher:error's data an object), or a ValueError saying how it is not: past this, an error is the
    harness's own, not the server's."""
    frame = json.loads(text)
    if not isinstance(frame, dict):
        raise ValueError("not a JSON object")
    event, channel, data = frame.get("event", ""), frame.get("channel"), frame.get("data")
    if not isinstance(event, str) or not isinstance(channel, str | None):
        raise ValueError("event and channel are not strings")
    if event == "pusher:connection_established":
        established = json.loads(data) if isinstance(data, str) else None
        if not isinstance(established, dict) or not isinstance(established.get("socket_id"), str):
            raise ValueError("pusher:connection_established carries no socket_id")
        frame["data"] = established
    elif event == "pusher:error" and not isinstance(data, dict | None):
        raise ValueError("pusher:error data is not an object")
    return frame


def reconnect_delay(code: int | None) -> float | None:
    """None means do not reconnect (Pusher's 4000-4099 range)."""
    if code is not None and 4000 <= code <= 4099:
        return None
    if code is not None and 4200 <= code <= 4299:
        return 0.0
    return BACKOFF_S


class AsyncListener:
    kind = "asyncio"

    def __init__(self, endpoint: PusherEndpoint, recorder: ListenerRecorder, pool: AsyncListenerPool) -> None:
        self.endpoint = endpoint
        self.recorder = recorder
        self.pool = pool
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._heard = 0.0

    @property
    def name(self) -> str:
        return self.recorder.name

    def start(self) -> None:
        self._task = self.pool.submit(self._run())

    async def _run(self) -> None:
        while not self._stopping:
            code = await self._session()
            self.recorder.disconnected(code)
            delay = reconnect_delay(code)
            if delay is None or self._stopping:
                return
            await asyncio.sleep(delay)

    async def _session(self) -> int | None:
        try:
            async with self.pool.http.ws_connect(self.endpoint.url(), heartbeat=None, autoping=True) as ws:
                self._ws = ws
                keepalive = asyncio.ensure_future(self._keepalive(ws))
                try:
                    while True:
                        msg = await ws.receive()
                        self._heard = asyncio.get_running_loop().time()
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            return ws.close_code
                        try:
                            frame = parsed_frame(msg.data)
                        except ValueError as exc:
                            self.recorder.frame_error(msg.data, exc)  # as pusher-js: said, and listening on
                            continue
                        await self._frame(ws, frame)
                finally:
                    keepalive.cancel()
        except (TimeoutError, aiohttp.ClientError, OSError):
            return None
        finally:
            self._ws = None

    async def _keepalive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """pusher:ping after PING_AFTER_S of silence, as pusher-js does; a task of its own, because a
        timeout on every receive costs more per delivery than the delivery itself."""
        loop = asyncio.get_running_loop()
        self._heard = loop.time()
        while not ws.closed:
            await asyncio.sleep(max(0.0, self._heard + PING_AFTER_S - loop.time()))
            if loop.time() - self._heard >= PING_AFTER_S and not ws.closed:
                await ws.send_str('{"event":"pusher:ping","data":{}}')
                self._heard = loop.time()

    async def _frame(self, ws: aiohttp.ClientWebSocketResponse, frame: dict[str, Any]) -> None:
        event, channel = frame.get("event", ""), frame.get("channel")
        if channel is not None and not event.startswith(("pusher:", "pusher_internal:")):
            self.recorder.receipt(channel, event, frame.get("data"))
        elif event == "pusher_internal:subscription_succeeded" and channel:
            self.recorder.subscription_succeeded(channel)
            if self.recorder.on_subscribed is not None:
                asyncio.get_running_loop().run_in_executor(None, self.recorder.on_subscribed, self.recorder, channel)
        elif event == "pusher:connection_established":
            self.recorder.connected(frame["data"]["socket_id"])
            await self._subscribe(ws)
        elif event == "pusher:ping":
            await ws.send_str('{"event":"pusher:pong","data":{}}')
        elif event == "pusher:error":
            data = frame.get("data") or {}
            self.recorder.subscription_failed(channel, f"pusher:error {data.get('code')} {data.get('message')}")

    async def _subscribe(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        for channel in self.recorder.channels:
            data: dict[str, Any] = {"channel": channel}
            if needs_auth(channel):
                try:
                    data.update(
                        await asyncio.get_running_loop().run_in_executor(
                            None, self.endpoint.authorise, self.recorder.socket_id or "", channel
                        )
                    )
                except AuthRefused as exc:
                    self.recorder.subscription_failed(channel, str(exc))
                    continue
            await ws.send_str(json.dumps({"event": "pusher:subscribe", "data": data}))

    def drop(self) -> None:
        self.recorder.planned_drop = True
        ws = self._ws
        if ws is not None:
            self.pool.submit(ws.close(code=1001))

    def stop(self) -> None:
        self._stopping = True
        ws = self._ws
        if ws is not None:
            try:
                self.pool.run(ws.close(), timeout=5)
            except TimeoutError:  # a loop too busy to close politely in time: the listener is done anyway
                self.pool.submit(ws.close())
        elif self._task is not None:
            self.pool.loop.call_soon_threadsafe(self._task.cancel)
        self.recorder.disconnected(None)


class AsyncListenerPool:
    """The event loop (on a daemon thread) and HTTP session that a process's async listeners share.
    `history`: where the loop's own stalls are recorded (`loop_watch`), so the lateness they cause is
    not blamed on the backend."""

    def __init__(self, history: History | None = None) -> None:
        self.loop = new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="stocksync-listeners", daemon=True)
        self._thread.start()
        self.http: aiohttp.ClientSession = self.run(self._session())
        self._watch = self.submit(Watch(history).run()) if history is not None else None

    @staticmethod
    async def _session() -> aiohttp.ClientSession:
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    def submit(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        async def create() -> asyncio.Task[Any]:
            return asyncio.ensure_future(coro)

        return asyncio.run_coroutine_threadsafe(create(), self.loop).result(10)

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        if self._thread.is_alive():
            if self._watch is not None:
                self.loop.call_soon_threadsafe(self._watch.cancel)
            self.run(self.http.close(), timeout=10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
