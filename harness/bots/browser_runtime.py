"""One headless Chromium for a run's browser pages, driven by Playwright for Python.

Playwright because it is the well-kept way to drive Chromium from Python: it speaks the
DevTools protocol, runs a page's JavaScript and calls back into Python (`expose_function`),
and launches any Chromium binary, so Debian's `chromium` serves and nothing is downloaded.
Pages load the pinned pusher-js (package-lock.json, shipped in the package as `npm/`) and
`page/page.js` from disk through a routed origin: no network beyond the servers under test.
pusher-js is not Python, so a wheel cannot carry it: `stocksync browsers install` puts the
pinned version in a user cache with npm, where an installed harness finds it; a checkout's
own node_modules and STOCKSYNC_PUSHER_JS serve too.

What a browser run needs is checked before anything starts, naming what to install.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError

PAGE_DIR = Path(__file__).parent / "page"
NPM_DIR = Path(__file__).parent / "npm"
PUSHER_MIN = Path("node_modules/pusher-js/dist/web/pusher.min.js")
INSTALL_HINT = "`stocksync browsers install` (needs node and npm), or set STOCKSYNC_PUSHER_JS to pusher.min.js"
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


def pinned_pusher_js() -> str:
    """The pusher-js version package-lock.json pins: the one every page runs."""
    lock = json.loads((NPM_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"]["node_modules/pusher-js"]["version"])


def cache_dir() -> Path:
    """Where `stocksync browsers install` puts the pinned pusher-js: per version, so a new pin is
    never served an old copy."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "stocksync" / f"pusher-js-{pinned_pusher_js()}"


def _checkout() -> Path | None:
    """The source checkout this code runs from, if it does (an installed wheel has none)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "package-lock.json").is_file() else None


def find_chromium() -> Path | None:
    """STOCKSYNC_CHROMIUM, or the system's chromium: Playwright drives it, nothing is downloaded."""
    chromium = os.environ.get("STOCKSYNC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(chromium) if chromium and Path(chromium).is_file() else None


def find_pusher_js() -> Path | None:
    """STOCKSYNC_PUSHER_JS if set (and only it), else a checkout's `npm ci`, else the user cache."""
    if os.environ.get("STOCKSYNC_PUSHER_JS"):
        chosen = Path(os.environ["STOCKSYNC_PUSHER_JS"])
        return chosen if chosen.is_file() else None
    checkout = _checkout()
    places = ([checkout / PUSHER_MIN] if checkout else []) + [cache_dir() / PUSHER_MIN]
    return next((p for p in places if p.is_file()), None)


def install_pusher_js() -> Path:
    """`npm ci` of the shipped package-lock.json in the user cache: the pinned pusher-js, checked
    against the lock's integrity hashes, with no install scripts run."""
    npm = shutil.which("npm")
    if npm is None:
        raise BrowserUnavailable("installing pusher-js needs npm: apt-get install npm (it brings node)")
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(NPM_DIR / name, target / name)
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    done = subprocess.run(command, cwd=target, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not (target / PUSHER_MIN).is_file():
        raise BrowserUnavailable(f"`npm ci` in {target} failed: {done.stderr.strip()[-1500:]}")
    return target / PUSHER_MIN


def requirements() -> BrowserRequirements:
    """Where Chromium and pusher-js are, or a `BrowserUnavailable` naming what to install."""
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python: pip install 'stocktake-sync-harness[browser]'")
    chromium = find_chromium()
    if chromium is None:
        missing.append("Chromium: apt-get install chromium (or set STOCKSYNC_CHROMIUM to its path)")
    pusher_js = find_pusher_js()
    if pusher_js is None:
        missing.append(f"the pinned pusher-js {pinned_pusher_js()}: {INSTALL_HINT}")
    if missing:
        raise BrowserUnavailable("browser listeners need " + "; ".join(missing))
    assert chromium is not None and pusher_js is not None
    return BrowserRequirements(chromium, pusher_js)


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
