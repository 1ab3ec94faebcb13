"""The event loop every harness-owned asyncio thread runs: uvloop where it can run.

uvloop halves what a delivery costs a listener (2,000 listeners in one process went from
p99 ~130 ms to ~65 ms at 5k deliveries/s in bench/capacity.py) and speeds the embedded
servers alike. It cannot run under gevent (Locust): libuv polls in C, out of the hub's
sight, and would freeze every greenlet; nor on Windows, where it does not exist. There the
standard loop is used, which behaves the same, only slower.
"""

from __future__ import annotations

import asyncio

from .green import gevent_patched

try:
    import uvloop
except ImportError:  # Windows: uvloop is not installed there (see pyproject.toml)
    uvloop = None


def new_event_loop() -> asyncio.AbstractEventLoop:
    if uvloop is None or gevent_patched("select"):
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
