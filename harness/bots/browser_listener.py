"""A listener that is a browser page: the frontend's own client, pusher-js, in headless Chromium.

The page (`page/page.js`) connects, authorises private channels (pusher-js's own auth
request to the auth endpoint, or, with no endpoint, a signature from the official SDK
through a binding) and subscribes; every happening comes back through one binding and
goes into the same `ListenerRecorder` the other kinds use. A receipt is what pusher-js
handed the page, stamped with the page's own clock, so the checks judge the browser's
view; the page times its own main thread too (`harness-stall`, as `loop_watch` does for the
harness's processes), so a page held up does not make the backend look late. A counter whose
browser is a page writes through it too (`BrowserSession`): the page's fetch, with pusher-js's
socket_id, as the frontend writes.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import requests

from ..errors import AuthRefused
from ..record.history import Observation
from ..record.stall_record import STALL, STALL_MIN_S, STALL_TICK_S
from .browser_runtime import ORIGIN, BrowserPool
from .endpoint import PusherEndpoint
from .loop_watch import page_label
from .recorder import ListenerRecorder


class BrowserListener:
    kind = "browser"

    def __init__(self, endpoint: PusherEndpoint, recorder: ListenerRecorder, pool: BrowserPool) -> None:
        self.endpoint = endpoint
        self.recorder = recorder
        self.pool = pool
        self.page: Any = None
        self._context: Any = None
        self.process = page_label(recorder.name)  # its main thread's stalls are on record under this
        self._epoch = time.time() - time.monotonic()
        """The page's clock is the wall clock at its opening plus its own monotonic time since
        (`performance.timeOrigin + performance.now()`), so it maps onto the history's (the host's
        monotonic seconds) by the wall clock's offset then: taken again later, a wall clock stepped or
        slewed meanwhile (NTP over an hour's soak) would shift every stamp against the writes'."""

    @property
    def name(self) -> str:
        return self.recorder.name

    def start(self) -> None:
        self.pool.submit(self._open())

    async def _open(self) -> None:
        self._context = await self.pool.browser.new_context()
        page = await self._context.new_page()
        page.on("crash", lambda _: self.recorder.died(f"browser page of {self.name}", "the page crashed"))
        await page.route(ORIGIN + "/**", self.pool.serve_page)
        await page.expose_function("stocksyncRecordBatch", self._record_batch)
        await page.expose_function("stocksyncAuthorise", self._authorise)
        await page.goto(ORIGIN + "/index.html")
        self.page = page
        endpoint = self.endpoint
        config = {
            "key": endpoint.key,
            "host": endpoint.host,
            "port": endpoint.port,
            "tls": endpoint.secure,
            "cluster": endpoint.cluster,
            "authEndpoint": endpoint.auth_endpoint,
            "authHeaders": endpoint.auth_headers,
            "channels": self.recorder.channels,
            "stall": {"tickMs": STALL_TICK_S * 1000, "minMs": STALL_MIN_S * 1000},
        }
        await page.evaluate("config => window.stocksyncStart(config)", config)

    def _record_batch(self, batch: list[list[Any]]) -> None:
        for happening in batch:
            self._record(*happening)

    def _record(self, kind: str, channel: str | None, text: str | None, extra: Any, at: float) -> None:
        """One happening of the page's: `text` is the event name of a receipt (whose data text is `extra`),
        the socket id of a connect, the message of an error; `extra` is a disconnect's close code, or
        how long (ms) a stall held the page's main thread."""
        recorder = self.recorder
        if kind == "stall" and isinstance(extra, int | float):
            recorder.history.observe(
                STALL, time=self._monotonic(at), data={"process": self.process, "held_s": extra / 1000}
            )
        elif kind == "receipt" and channel is not None and text is not None:
            recorder.receipts += 1
            recorder.history.append(Observation("receipt", self._monotonic(at), recorder.name, recorder.socket_id,
                                                channel, text, extra))  # fmt: skip
        elif kind == "connect" and text:
            recorder.connected(text)
        elif kind == "disconnect":
            recorder.disconnected(extra)
        elif kind == "subscribed" and channel:
            recorder.subscription_succeeded(channel)
            if recorder.on_subscribed is not None:
                asyncio.get_running_loop().run_in_executor(None, recorder.on_subscribed, recorder, channel)
        elif kind == "subscription-error":
            recorder.subscription_failed(channel, text or "")

    def _monotonic(self, epoch_ms: float) -> float:
        """The page's clock (ms since the epoch) on the history's."""
        return epoch_ms / 1000 - self._epoch

    async def _authorise(self, socket_id: str, channel: str) -> dict[str, str]:
        """With no auth endpoint, the page asks the harness, which signs with the official SDK."""
        try:
            return await asyncio.get_running_loop().run_in_executor(None, self.endpoint.authorise, socket_id, channel)
        except AuthRefused as exc:
            return {"error": str(exc)}

    def drop(self) -> None:
        self.recorder.planned_drop = True
        if self.page is not None:
            self.pool.submit(self.page.evaluate("window.stocksyncDrop()"))

    def stop(self) -> None:
        if self._context is not None:
            try:
                self.pool.run(self._context.close(), timeout=10)
            except Exception:  # a page that is already gone is stopped
                pass
        self.recorder.disconnected(None)


class BrowserResponse:
    """The little of `requests.Response` that `StocktakeApi.send` reads."""

    def __init__(self, status: int, content_type: str, text: str) -> None:
        self.status_code = status
        self.headers = {"Content-Type": content_type}
        self.text = text
        self.content = text.encode()

    def json(self) -> Any:
        return json.loads(self.text)


class BrowserSession:
    """A `requests.Session` stand-in whose requests are the page's own fetches, carrying pusher-js's
    socket_id as the frontend does; a fetch that gets no answer raises like requests does."""

    def __init__(self, listener: BrowserListener) -> None:
        self.listener = listener

    def request(
        self, method: str, url: str, *, headers: dict[str, str], timeout: float, **sent: Any
    ) -> BrowserResponse:
        if sent.get("params"):
            url = str(requests.Request(method, url, params=sent["params"]).prepare().url)
        body = sent["data"].decode() if sent.get("data") is not None else None
        if sent.get("json") is not None:
            body = json.dumps(sent["json"])
            headers = {**headers, "Content-Type": "application/json"}
        page = self.listener.page
        if page is None:
            raise requests.ConnectionError(f"{self.listener.name}'s page is not open")
        script = "([m, u, h, b]) => window.stocksyncFetch(m, u, h, b)"
        try:
            answer = self.listener.pool.run(page.evaluate(script, [method, url, headers, body]), timeout=timeout)
        except TimeoutError:
            raise requests.Timeout(f"no answer within {timeout}s in {self.listener.name}'s page") from None
        if "error" in answer:
            raise requests.ConnectionError(f"the page's fetch failed: {answer['error']}")
        return BrowserResponse(answer["status"], answer["contentType"], answer["text"])
