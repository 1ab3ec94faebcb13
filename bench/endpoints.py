"""The two servers under measurement, each in its own process, behind one small interface:
connect a client (subscribed and ready), and publish frames (one HTTP call per batch)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Protocol

import aiohttp

from harness.sim.pusher.signing import signed_query
from harness.sim.served import ServedStack
from harness.testing import wait_until

CHANNEL = "bench"
EVENT = "bench-event"


def payload(pad: int) -> dict[str, object]:
    return {"t": time.time(), "pad": "x" * pad}


class Endpoint(Protocol):
    name: str

    async def connect(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse: ...

    async def publish(self, session: aiohttp.ClientSession, count: int, pad: int) -> None: ...

    def stop(self) -> None: ...


class OursEndpoint:
    """The embedded Pusher server (`stocksync serve`), driven through its real HTTP API."""

    name = "embedded Pusher server"

    def __init__(self) -> None:
        self.served = ServedStack()
        self.pusher = self.served.pusher

    async def connect(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        ws = await session.ws_connect(f"ws://127.0.0.1:{self.pusher['port']}/app/{self.pusher['key']}?protocol=7")
        await ws.receive_str()
        await ws.send_str(json.dumps({"event": "pusher:subscribe", "data": {"channel": CHANNEL}}))
        while json.loads(await ws.receive_str())["event"] != "pusher_internal:subscription_succeeded":
            pass
        return ws

    async def publish(
        self, session: aiohttp.ClientSession, count: int, pad: int, channels: Sequence[str] = (CHANNEL,)
    ) -> None:
        """`count` events in batches of 10 (Pusher's batch limit), the n-th on `channels[n % len]`."""
        path = f"/apps/{self.pusher['app_id']}/batch_events"
        for start in range(0, count, 10):
            batch = [
                {"channel": channels[n % len(channels)], "name": EVENT, "data": json.dumps(payload(pad))}
                for n in range(start, min(start + 10, count))
            ]
            body = json.dumps({"batch": batch}).encode()
            query = signed_query(self.pusher["key"], self.pusher["secret"], "POST", path, body, int(time.time()))
            async with session.post(
                f"http://127.0.0.1:{self.pusher['port']}{path}",
                params=query,
                data=body,
                headers={"Content-Type": "application/json"},
            ) as response:
                response.raise_for_status()

    def stop(self) -> None:
        self.served.stop()


class BareEndpoint:
    name = "bare aiohttp broadcast"

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bench.bare_server"], stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())  # type: ignore[union-attr]
        wait_until(self._listening, 10, what="the bare server")

    def _listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    async def connect(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        return await session.ws_connect(f"ws://127.0.0.1:{self.port}/ws")

    async def publish(self, session: aiohttp.ClientSession, count: int, pad: int) -> None:
        """The same frames our server sends (a Pusher event envelope), in the same batches."""
        for start in range(0, count, 10):
            frames = [
                json.dumps({"event": EVENT, "channel": CHANNEL, "data": json.dumps(payload(pad))})
                for _ in range(min(10, count - start))
            ]
            async with session.post(f"http://127.0.0.1:{self.port}/publish", json=frames) as response:
                response.raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        if self.process.stdout:
            self.process.stdout.close()
