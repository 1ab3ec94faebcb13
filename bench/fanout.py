"""1. Fan-out ceiling: 1,000 asyncio clients in this process, the server in another; deliveries/s
and latency at an offered 10k deliveries/s and flat out, ours next to a bare aiohttp broadcast."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from . import aio
from .endpoints import BareEndpoint, Endpoint, OursEndpoint
from .stats import ms, percentile, ratio

CLIENTS, PAD, SECONDS, OFFERED = 1000, 200, 4.0, 10_000


async def _reader(ws: aiohttp.ClientWebSocketResponse, latencies: list[float], seen: list[float]) -> None:
    async for msg in ws:
        if msg.type != aiohttp.WSMsgType.TEXT:
            break
        frame = json.loads(msg.data)
        if frame.get("event") == "bench-event":
            now = time.time()
            latencies.append(now - json.loads(frame["data"])["t"])
            seen[0] = now


async def measure(
    endpoint: Endpoint, offered: int | None, clients: int = CLIENTS, seconds: float = SECONDS
) -> dict[str, Any]:
    """offered deliveries/s, or None for flat out (batches back to back for `seconds`)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets: list[aiohttp.ClientWebSocketResponse] = []
        for start in range(0, clients, 100):
            sockets += await asyncio.gather(*(endpoint.connect(session) for _ in range(min(100, clients - start))))
        latencies: list[float] = []
        seen = [0.0]
        readers = [asyncio.create_task(_reader(ws, latencies, seen)) for ws in sockets]
        published, began = 0, time.time()
        while time.time() - began < seconds:
            if offered is None:
                await endpoint.publish(session, 10, PAD)
                published += 10
            else:
                due = int((time.time() - began) * offered / clients) + 1 - published
                if due > 0:
                    await endpoint.publish(session, due, PAD)
                    published += due
                await asyncio.sleep(0.01)
        expected = published * clients
        deadline = time.time() + 15
        while len(latencies) < expected and time.time() < deadline:
            await asyncio.sleep(0.05)
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*readers, return_exceptions=True)
    span = max(seen[0] - began, 1e-9)
    return {
        "offered_per_s": offered or "flat out",
        "delivered": len(latencies),
        "expected": expected,
        "deliveries_per_s": round(len(latencies) / span),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
    }


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for endpoint_class in (OursEndpoint, BareEndpoint):
        endpoint = endpoint_class()
        try:
            results[endpoint.name] = {
                label: aio.run(measure(endpoint, offered))
                for label, offered in (("10k/s", OFFERED), ("flat out", None))
            }
        finally:
            endpoint.stop()
    ours, bare = results[OursEndpoint.name], results[BareEndpoint.name]
    results["ratio ours/bare"] = {
        label: ratio(ours[label]["deliveries_per_s"], bare[label]["deliveries_per_s"])
        for label in ("10k/s", "flat out")
    }
    return results
