"""The event loop and collector settings that let one process hold thousands of connections
(bench/capacity.py measures what they buy); here, that they are in force where they should be
and not where they cannot work."""

from __future__ import annotations

import gc
import subprocess
import sys

import uvloop

from harness.bots.endpoint import PusherEndpoint
from harness.bots.fleet import ListenerFleet
from harness.record.history import History
from harness.runtime import new_event_loop
from harness.sim.background import GC_GEN0
from harness.sim.stack import EmbeddedStack


def test_harness_loops_are_uvloop() -> None:
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_pysher_frames_are_validated_by_compiled_code_and_still_strictly() -> None:
    """websocket-client picks wsaccel up at import when installed; without it every byte of
    every text frame goes through a Python loop (a third of a pysher delivery's CPU)."""
    import websocket._utils as ws_utils

    assert "Utf8Validator" in vars(ws_utils)
    assert ws_utils.validate_utf8("Guinness Keg ü".encode())
    assert not ws_utils.validate_utf8(b"\xc3\x28") and not ws_utils.validate_utf8(b"\xed\xa0\x80")


def test_under_gevent_the_standard_loop_runs_and_works() -> None:
    """Locust's processes are monkey-patched; libuv's poll would freeze every greenlet there."""
    code = (
        "from gevent import monkey; monkey.patch_all()\n"
        "import asyncio\n"
        "from harness.runtime import new_event_loop\n"
        "loop = new_event_loop()\n"
        "print(type(loop).__module__, loop.run_until_complete(asyncio.sleep(0.01, 'ran')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["asyncio.unix_events", "ran"]


def test_embedded_servers_run_on_uvloop_with_bursts_dying_young(stocksync_stack: EmbeddedStack) -> None:
    assert stocksync_stack.loop is not None and isinstance(stocksync_stack.loop.loop, uvloop.Loop)
    assert gc.get_threshold()[0] >= GC_GEN0


def test_a_ready_fleet_freezes_the_heap_until_it_stops(stocksync_stack: EmbeddedStack) -> None:
    cfg = stocksync_stack.pusher.config
    fleet = ListenerFleet(PusherEndpoint(key=cfg.key, port=stocksync_stack.pusher_port), History(), "asyncio")
    try:
        fleet.add("viewer-1", ["hotel-killarney-stocktake-5"])
        fleet.add("viewer-2", ["hotel-killarney-stocktake-5"])
        fleet.wait_ready(timeout=20)
        assert gc.get_freeze_count() > 0
    finally:
        fleet.stop()
    assert gc.get_freeze_count() == 0
