"""One headless Chromium for a run's browser pages, driven by Playwright for Python.

Playwright because it is the well-kept way to drive Chromium from Python: it speaks the
DevTools protocol, runs a page's JavaScript and calls back into Python (`expose_function`),
and launches any Chromium binary, so Debian's `chromium` serves and nothing is downloaded.
Pages load the pinned pusher-js from the project's node_modules (package-lock.json) and
`page/page.js` from disk through a routed origin: no network beyond the servers under test.

What a browser run needs is checked before anything starts, naming what to install.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError

PAGE_DIR = Path(__file__).parent / "page"
ORIGIN = "http://stocksync.page"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # the page's origin is not the backend's: real backends answer CORS for their frontend's
    # origin, which is not what this harness judges
    "--disable-web-security",
    # background pages must not be throttled: every page is a foreground user here
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


class BrowserUnavailable(UsageError):
    """Chromium, Playwright or the pinned pusher-js is missing: exit 2 with what to install."""


@dataclass(frozen=True)
class BrowserRequirements:
    chromium: Path
    pusher_js: Path


def _project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def requirements() -> BrowserRequirements:
    """Where Chromium and pusher-js are, or a `BrowserUnavailable` naming what to install."""
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python: pip install 'stocktake-sync-harness[browser]'")
    chromium = os.environ.get("STOCKSYNC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not Path(chromium).is_file():
        missing.append("Chromium: apt-get install chromium (or set STOCKSYNC_CHROMIUM to its path)")
    pusher_js = Path(
        os.environ.get("STOCKSYNC_PUSHER_JS") or _project_root() / "node_modules/pusher-js/dist/web/pusher.min.js"
    )
    if not pusher_js.is_file():
        missing.append(
            f"the pinned pusher-js: `npm ci` in {_project_root()} (needs node and npm), "
            "or set STOCKSYNC_PUSHER_JS to pusher.min.js"
        )
    if missing:
        raise BrowserUnavailable("browser listeners need " + "; ".join(missing))
    assert chromium is not None
    return BrowserRequirements(Path(chromium), pusher_js)


class BrowserPool:
    """Chromium and its Playwright driver on an event loop of their own (a daemon thread)."""

    def __init__(self, needs: BrowserRequirements | None = None) -> None:
        self.needs = needs or requirements()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="stocksync-browser", daemon=True)
        self._thread.start()
        self._playwright: Any = None
        self.browser: Any = self.run(self._launch(), timeout=60)

    async def _launch(self) -> Any:
        from playwright.async_api import async_playwright

        self._playwright = await async_playwright().start()
        return await self._playwright.chromium.launch(
            executable_path=str(self.needs.chromium), args=CHROMIUM_ARGS, headless=True
        )

    async def serve_page(self, route: Any) -> None:
        """The page's origin, answered from disk: the page, pusher-js, nothing else."""
        name = route.request.url.removeprefix(ORIGIN + "/")
        files = {"pusher.min.js": self.needs.pusher_js, "page.js": PAGE_DIR / "page.js"}
        if name == "index.html":
            html = '<!doctype html><title>stocksync page</title><script src="pusher.min.js"></script>'
            await route.fulfill(body=html + '<script src="page.js"></script>', content_type="text/html")
        elif name in files:
            await route.fulfill(path=str(files[name]), content_type="text/javascript")
        else:
            await route.fulfill(status=404, body="not part of the page")

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.run(self._close(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)

    async def _close(self) -> None:
        await self.browser.close()
        await self._playwright.stop()
