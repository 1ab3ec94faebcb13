"""What this process runs on: is gevent (Locust) in charge, and which event loop to use.

uvloop makes a delivery cheaper for a listener and for the embedded servers alike (measured:
docs/benchmarks.md). It cannot run under gevent: libuv polls in C, out of the hub's sight,
and would freeze every greenlet; nor on Windows, where it is not installed. There the
standard loop is used, which behaves the same, only slower. Neither question imports
gevent or uvloop unless it must, so asking costs nothing in a pure checker process.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys


def gevent_patched(module: str) -> bool:
    """Whether gevent has monkey-patched a standard module in this process: code that would block
    the hub, or that relies on real OS threads, asks before choosing how to run."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched(module))


def new_event_loop() -> asyncio.AbstractEventLoop:
    if gevent_patched("select") or importlib.util.find_spec("uvloop") is None:
        return asyncio.new_event_loop()
    import uvloop

    return uvloop.new_event_loop()
