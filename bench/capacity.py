"""2. Listener capacity: the most harness listeners (pysher, asyncio) one process holds while the
delivery p99 stays under 100 ms at 5k deliveries/s offered, against the embedded server; and the
most asyncio listeners spread over one worker process per core (`listener_processes`) hold, all on
one channel (a publish is a burst to every listener) and, as a hotel group's are, STOCKTAKE viewers
to a stocktake's channel (a publish is a burst to one stocktake's)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import aiohttp

from harness.bots.endpoint import PusherEndpoint
from harness.bots.fleet import ListenerFleet
from harness.errors import ListenersNotReady
from harness.record.history import History

from . import aio
from .endpoints import CHANNEL, OursEndpoint
from .stats import ms, percentile

OFFERED, SECONDS, P99_LIMIT_S, TRIALS = 5000, 3.0, 0.100, 2
STOCKTAKE = 1000  # viewers to a stocktake's channel in the hotel-group shape
STEPS = {
    "asyncio": (250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000),
    "pysher": (2, 5, 10, 25, 50, 100, 200, 400, 600, 800),
    "asyncio-processes": (1000, 2000, 2500, 3000, 4000, 6000, 8000, 10000),
    "asyncio-stocktakes": (2000, 4000, 6000, 8000, 10000, 12000, 14000),
}
SPREAD = ("asyncio-processes", "asyncio-stocktakes")
PROCESSES = os.cpu_count() or 1


def _channels(kind: str, listeners: int) -> list[str]:
    """One channel for all, or one a stocktake of STOCKTAKE viewers."""
    if kind != "asyncio-stocktakes":
        return [CHANNEL]
    return [f"{CHANNEL}-{n}" for n in range(max(1, listeners // STOCKTAKE))]


async def _offer(endpoint: OursEndpoint, listeners: int, channels: Sequence[str], offered: int = OFFERED) -> None:
    """`offered` deliveries a second: a publish reaches the listeners of one channel, the channels in turn."""
    per_s = offered / (listeners / len(channels))
    async with aiohttp.ClientSession() as session:
        began, published = time.time(), 0
        while time.time() - began < SECONDS:
            due = int((time.time() - began) * per_s) + 1 - published
            if due > 0:
                turn = [channels[(published + n) % len(channels)] for n in range(due)]
                await endpoint.publish(session, due, 200, turn)
                published += due
            await asyncio.sleep(0.005)


def _step(endpoint: OursEndpoint, kind: str, count: int) -> dict[str, Any]:
    """Spread listeners record in their worker processes until the fleet stops, so each of their
    trials has a fleet of its own; local ones share one fleet across trials."""
    spread, channels = kind in SPREAD, _channels(kind, count)
    try:
        if spread:
            trials = [_spread_trial(endpoint, count, channels) for _ in range(TRIALS)]
        else:
            with _fleet(endpoint, kind, count, 1, channels) as (fleet, history):
                trials = [_trial(endpoint, history, count, channels=channels) for _ in range(TRIALS)]
    except ListenersNotReady as exc:
        return {"listeners": count, "ready": False, "error": str(exc)[:200]}
    best = min(trials, key=lambda t: t["p99_ms"])
    return {
        "listeners": count,
        "ready": True,
        **best,
        "p99_ms_trials": [t["p99_ms"] for t in trials],
        "held": best["p99_ms"] < P99_LIMIT_S * 1000,
        **({"processes": PROCESSES, "channels": len(channels)} if spread else {}),
    }


@contextmanager
def _fleet(
    endpoint: OursEndpoint, kind: str, count: int, processes: int, channels: Sequence[str] = (CHANNEL,)
) -> Iterator[tuple[ListenerFleet, History]]:
    pusher = endpoint.pusher
    history = History()
    fleet = ListenerFleet(PusherEndpoint(key=pusher["key"], port=pusher["port"]), history, kind, processes)
    try:
        for n in range(count):
            fleet.add(f"{kind}-{n}", [channels[n % len(channels)]])
        fleet.wait_ready(timeout=300)
        yield fleet, history
    finally:
        fleet.stop()


def _spread_trial(endpoint: OursEndpoint, count: int, channels: Sequence[str]) -> dict[str, Any]:
    with _fleet(endpoint, "asyncio", count, PROCESSES, channels) as (fleet, history):
        aio.run(_offer(endpoint, count, channels))
        time.sleep(2)
    return _latencies(history, 0)


def _trial(
    endpoint: OursEndpoint, history: History, count: int, offered: int = OFFERED, channels: Sequence[str] = (CHANNEL,)
) -> dict[str, Any]:
    """One offered burst of SECONDS; the latencies of the receipts it produced."""
    before = len(history.data.observations)
    aio.run(_offer(endpoint, count, channels, offered))
    time.sleep(2)
    return _latencies(history, before)


def _latencies(history: History, before: int) -> dict[str, Any]:
    wall_minus_mono = time.time() - time.monotonic()
    receipts = [o for o in history.data.observations[before:] if o.kind == "receipt"]
    latencies = [o.time + wall_minus_mono - json.loads(o.data)["t"] for o in receipts]
    return {
        "deliveries": len(latencies),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
    }


def run(kinds: tuple[str, ...] = ("asyncio", "pysher")) -> dict[str, Any]:
    endpoint = OursEndpoint()
    results: dict[str, Any] = {}
    try:
        for kind in kinds:
            steps = STEPS[kind]
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


def run_spread() -> dict[str, Any]:
    """`python -m bench capacity_processes`: the spread fleet on one channel and a stocktake's viewers
    to a channel, with the one-process fleet's best beside them for the ratios, all measured in this run."""
    results = run(("asyncio", *SPREAD))
    one = results["asyncio"]["max_listeners_p99_under_100ms"]
    for kind in SPREAD:
        spread = results[kind]["max_listeners_p99_under_100ms"]
        results[f"ratio_{kind}/one_process"] = round(spread / one, 2) if one else None
    return results


def spread_row(result: dict[str, Any]) -> tuple[str, str, str]:
    values, ratios = [], []
    for kind, shape in zip(SPREAD, ("one channel", f"{STOCKTAKE:,} a stocktake's channel"), strict=True):
        spread = result[kind]
        held = [s for s in spread["steps"] if s.get("held")]
        p99 = f" (p99 {held[-1]['p99_ms']} ms)" if held else ""
        values.append(f"{spread['max_listeners_p99_under_100ms']:,} on {shape}{p99}")
        ratios.append(f"{result[f'ratio_{kind}/one_process']} x")
    return (
        f"asyncio listeners over {PROCESSES} processes, p99 < 100 ms at 5k/s",
        "; ".join(values),
        f"{' / '.join(ratios)} one process on one channel "
        f"({result['asyncio']['max_listeners_p99_under_100ms']:,}); target 10,000",
    )
