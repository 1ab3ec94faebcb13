"""2. Listener capacity: the most harness listeners (pysher, asyncio) one process holds while the
delivery p99 stays under 100 ms at 5k deliveries/s offered, against the embedded server."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from harness.bots.endpoint import PusherEndpoint
from harness.bots.fleet import ListenerFleet
from harness.errors import ListenersNotReady
from harness.history import History

from . import aio
from .endpoints import CHANNEL, OursEndpoint
from .stats import ms, percentile

OFFERED, SECONDS, P99_LIMIT_S, TRIALS = 5000, 3.0, 0.100, 2
STEPS = {
    "asyncio": (250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000),
    "pysher": (2, 5, 10, 25, 50, 100, 200, 400, 600, 800),
}


async def _offer(endpoint: OursEndpoint, listeners: int) -> None:
    per_s = OFFERED / listeners
    async with aiohttp.ClientSession() as session:
        began, published = time.time(), 0
        while time.time() - began < SECONDS:
            due = int((time.time() - began) * per_s) + 1 - published
            if due > 0:
                await endpoint.publish(session, due, 200)
                published += due
            await asyncio.sleep(0.005)


def _step(endpoint: OursEndpoint, kind: str, count: int) -> dict[str, Any]:
    pusher = endpoint.pusher
    history = History()
    fleet = ListenerFleet(PusherEndpoint(key=pusher["key"], port=pusher["port"]), history, kind)
    try:
        for n in range(count):
            fleet.add(f"{kind}-{n}", [CHANNEL])
        fleet.wait_ready(timeout=120)
        trials = [_trial(endpoint, history, count) for _ in range(TRIALS)]
    except ListenersNotReady as exc:
        return {"listeners": count, "ready": False, "error": str(exc)[:200]}
    finally:
        fleet.stop()
    best = min(trials, key=lambda t: t["p99_ms"])
    return {
        "listeners": count,
        "ready": True,
        **best,
        "p99_ms_trials": [t["p99_ms"] for t in trials],
        "held": best["p99_ms"] < P99_LIMIT_S * 1000,
    }


def _trial(endpoint: OursEndpoint, history: History, count: int) -> dict[str, Any]:
    """One offered burst of SECONDS; the latencies of the receipts it produced."""
    before = len(history.data.observations)
    wall_minus_mono = time.time() - time.monotonic()
    aio.run(_offer(endpoint, count))
    time.sleep(2)
    receipts = [o for o in history.data.observations[before:] if o.kind == "receipt"]
    latencies = [o.time + wall_minus_mono - json.loads(o.data)["t"] for o in receipts]
    return {
        "deliveries": len(latencies),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
    }


def run() -> dict[str, Any]:
    endpoint = OursEndpoint()
    results: dict[str, Any] = {}
    try:
        for kind, steps in STEPS.items():
            trail = []
            for count in steps:
                trail.append(_step(endpoint, kind, count))
                if not trail[-1].get("held"):
                    break
            held = [s["listeners"] for s in trail if s.get("held")]
            results[kind] = {"max_listeners_p99_under_100ms": max(held, default=0), "steps": trail}
    finally:
        endpoint.stop()
    return results
