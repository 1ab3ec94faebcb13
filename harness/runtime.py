"""What this process runs on: is gevent (Locust) in charge, which event loop to use, and how polars'
allocator treats the memory its frames free.

uvloop makes a delivery cheaper for a listener and for the embedded servers alike (measured:
docs/benchmarks.md). It cannot run under gevent: libuv polls in C, out of the hub's sight,
and would freeze every greenlet; nor on Windows, where it is not installed. There the
standard loop is used, which behaves the same, only slower. Neither question imports
gevent or uvloop unless it must, so asking costs nothing in a pure checker process.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys

POLARS_ALLOCATOR = "_RJEM_MALLOC_CONF"  # polars' jemalloc reads its settings from here, once, as polars loads
KEEP_FREED_PAGES = "dirty_decay_ms:-1,muzzy_decay_ms:-1"


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


def keep_freed_pages() -> None:
    """Have polars' allocator keep the pages its frames free, for the next frames, rather than hand
    them back to the kernel: the columnar check makes and drops frames of a million rows in turn, and
    a page handed back is zeroed and faulted in again by the next frame, kernel time that the check
    spends touching memory. The price is a higher peak: what a check freed stays the process's
    until it ends. Set by the entry points (`stocksync`, `python -m bench`), never by an import; it
    can only apply before polars is loaded, and a setting of the user's own is kept."""
    if "polars" not in sys.modules:
        os.environ.setdefault(POLARS_ALLOCATOR, KEEP_FREED_PAGES)
