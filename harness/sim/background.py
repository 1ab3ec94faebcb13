"""An asyncio loop on a daemon thread that serves aiohttp apps on 127.0.0.1.

Synchronous callers (the CLI, pytest fixtures, Locust) get real servers on real ports
without owning an event loop; errors a handler swallowed into a 500 are re-raised by
`check()` so a test fails with the server's own traceback.

Serving also raises the process's youngest-generation GC threshold to GC_GEN0. A fan-out
to N sockets keeps a pending write per socket alive at once; with Python's default of 700
every burst promotes thousands of them, and every few bursts a full collection walks every
connection's objects, during which nothing is delivered (bench/capacity.py measures it). At
GC_GEN0 a burst's objects die young and full collections are rare.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

from ..runtime import new_event_loop

T = TypeVar("T")
LOOPBACK = "127.0.0.1"
GC_GEN0 = 20_000


class ServerCrashed(RuntimeError):
    """A request handler raised; the original exception is the __cause__."""


class BackgroundLoop:
    def __init__(self) -> None:
        threshold = gc.get_threshold()
        if threshold[0] < GC_GEN0:
            gc.set_threshold(GC_GEN0, *threshold[1:])
        self.loop = new_event_loop()
        self._runners: list[web.AppRunner] = []
        self._thread = threading.Thread(target=self.loop.run_forever, name="stocksync-servers", daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def serve(self, app: web.Application, port: int = 0) -> int:
        """Start app on 127.0.0.1:port (0 picks a free port); returns the bound port."""
        return self.call(self._serve(app, port))

    async def _serve(self, app: web.Application, port: int) -> int:
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, port)
        await site.start()
        self._runners.append(runner)
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        return int(sock.getsockname()[1])

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        for runner in reversed(self._runners):
            self.call(runner.cleanup(), timeout=10)
        self._runners.clear()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


def raise_collected(errors: list[BaseException]) -> None:
    if errors:
        first = errors[0]
        raise ServerCrashed(f"embedded server raised {len(errors)} error(s); first: {first!r}") from first
