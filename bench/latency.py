"""5. Latency floor: trigger-to-receipt on one listener, sequential, against a bare aiohttp
POST-to-WebSocket round trip measured the same way."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp

from . import aio
from .endpoints import BareEndpoint, Endpoint, OursEndpoint
from .stats import ms, percentile, ratio

ROUNDS = 300


async def _floor(endpoint: Endpoint) -> list[float]:
    async with aiohttp.ClientSession() as session:
        ws = await endpoint.connect(session)
        samples = []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            await endpoint.publish(session, 1, 50)
            while json.loads(await ws.receive_str()).get("event") != "bench-event":
                pass
            samples.append(time.perf_counter() - t0)
        await ws.close()
    return samples


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for endpoint_class in (OursEndpoint, BareEndpoint):
        endpoint = endpoint_class()
        try:
            samples = aio.run(_floor(endpoint))
        finally:
            endpoint.stop()
        results[endpoint.name] = {"median_ms": ms(percentile(samples, 50)), "p99_ms": ms(percentile(samples, 99))}
    ours, bare = results[OursEndpoint.name], results[BareEndpoint.name]
    results["ratio ours/bare"] = {
        "median": ratio(ours["median_ms"], bare["median_ms"]),
        "p99": ratio(ours["p99_ms"], bare["p99_ms"]),
    }
    return results
