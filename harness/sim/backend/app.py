"""The simulator's HTTP face: routing, auth and hotel scoping around `Service`.

Reads run on a thread pool (one SQLite reader per thread); every write and its
broadcast run on one writer thread, so events leave in exactly the order writes commit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiohttp import web

from ..errors import error_middleware
from ..pusher.faults import Ring
from ..pusher.protocol import SOCKET_ID
from .broadcast import BackendFaults, Broadcaster
from .concurrent import LaterValues
from .config import BackendConfig
from .responses import DJANGO_500, HtmlError, as_response, debug_page, respond
from .seed import make_hotels
from .service import NOT_FOUND, Actor, HttpError, Outcome, Service
from .stock import MOVEMENT_AFTER_COMMIT
from .store import Row, Store
from .validation import json_body, positive_id

OPERATION_HEADER = "X-Stocksync-Operation"
COMMITS_KEPT = 1_000
REFUSED = {"detail": "Injected fault refuse-line-writes: You do not have permission to perform this action."}
AFTER_COMMIT = {"detail": "Injected fault commit-then-500: the change was saved, then the view raised."}


Op = Callable[..., Outcome]


class BackendSimulator:
    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self.faults = BackendFaults(dict(config.faults), seed=config.seed, slow_ms=config.slow_ms)
        self._tmp = tempfile.TemporaryDirectory(prefix="stocksync-db-") if config.db_path is None else None
        path = config.db_path or Path(self._tmp.name) / "stocktake.sqlite3"  # type: ignore[union-attr]
        self.hotels = make_hotels(config.seed, config.items_per_hotel)
        self.store = Store(path, self.hotels)
        self.service = Service(self.store, self.faults)
        stale = dataclasses.replace(config.pusher, secret=config.pusher.secret + "-stale").client()
        self.broadcaster = Broadcaster(
            config.pusher.client(), self.faults, "private-" if config.private_channels else "", stale=stale
        )
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="sim-writer")
        self._readers = ThreadPoolExecutor(4, thread_name_prefix="sim-reader")
        self.errors: list[BaseException] = []
        self.commits: Ring[Outcome] = Ring(COMMITS_KEPT)  # tests look at the last few; an hour has 100,000
        self.app = web.Application(middlewares=[error_middleware(self.errors)])
        self._routes(config.prefix.rstrip("/"))
        self.app.on_cleanup.append(self._close)

    async def _close(self, app: web.Application) -> None:
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)

    def _routes(self, prefix: str) -> None:
        r = self.app.router
        r.add_get(prefix + "/stocktakes/", self._read(lambda h, a, q, b: self.service.list_stocktakes(h)))
        r.add_post(prefix + "/stocktakes/", self._write(lambda db, h, a, q, b: self.service.create_stocktake(db, h, b)))
        r.add_get(prefix + "/stocktakes/{id}/", self._read(lambda h, a, q, b: self.service.get_stocktake(h, q["id"])))
        r.add_delete(
            prefix + "/stocktakes/{id}/",
            self._write(lambda db, h, a, q, b: self.service.delete_stocktake(db, h, q["id"])),
        )
        r.add_post(
            prefix + "/stocktakes/{id}/populate/",
            self._write(lambda db, h, a, q, b: self.service.populate(db, h, q["id"])),
        )
        r.add_post(
            prefix + "/stocktakes/{id}/approve/",
            self._write(lambda db, h, a, q, b: self.service.approve(db, h, q["id"])),
        )
        r.add_get(
            prefix + "/stocktake-lines/", self._read(lambda h, a, q, b: self.service.list_lines(h, q["stocktake"]))
        )
        r.add_get(prefix + "/stocktake-lines/{id}/", self._read(lambda h, a, q, b: self.service.get_line(h, q["id"])))
        r.add_patch(
            prefix + "/stocktake-lines/{id}/",
            self._write(
                lambda db, h, a, q, b: self.service.patch_line(db, h, a, q["id"], b), flaky=True, line_patch=True
            ),
        )
        r.add_post(
            prefix + "/stocktake-lines/{id}/add-movement/",
            self._write(lambda db, h, a, q, b: self.service.add_movement(db, h, q["id"], b), flaky=True, movement=True),
        )
        r.add_get(
            prefix + "/stocktake-lines/{id}/movements/",
            self._read(lambda h, a, q, b: self.service.list_movements(h, q["id"])),
        )
        r.add_get(prefix + "/items/", self._read(lambda h, a, q, b: self.service.list_items(h)))
        r.add_get(prefix + "/movements/", self._read(lambda h, a, q, b: self.service.item_movements(h, q.get("item"))))
        r.add_post(prefix + "/pusher/auth/", self._channel_auth)
        r.add_get(prefix + "/_harness/log", self._read(lambda h, a, q, b: Outcome(200, self._fault_log())))

    async def _channel_auth(self, request: web.Request) -> web.Response:
        """The channel auth endpoint pusher-js calls: signs only the caller's own hotel's channels."""
        form = await request.post()

        def run() -> Outcome:
            hotel, _actor = self._authorise(request)
            socket_id, channel = str(form.get("socket_id", "")), str(form.get("channel_name", ""))
            if not SOCKET_ID.match(socket_id):
                raise HttpError(400, {"socket_id": [f"Invalid socket id {socket_id!r}."]})
            own = (f"private-{hotel['slug']}-stocktakes", f"private-{hotel['slug']}-stocktake-")
            if not (
                channel == own[0] or (channel.startswith(own[1]) and positive_id(channel[len(own[1]) :]) is not None)
            ):
                raise HttpError(403, {"detail": f"Not allowed to subscribe to {channel!r}."})
            return Outcome(200, self.broadcaster.client.authenticate(channel=channel, socket_id=socket_id), [])

        return await respond(self._readers, run)

    def _fault_log(self) -> dict[str, Any]:
        """Not part of the backend's API: the faults that hit, by operation, for a harness in another
        process. Behind the same token check as every other call."""
        return {"faults": list(self.faults.log), "faults_dropped": self.faults.log.dropped}

    def _url_scoped(self) -> bool:
        """Whether this call may reach the URL's hotel whatever hotel its token belongs to: the
        url-scoped-only fault (a real backend that scopes data by the URL alone), or cross-hotel-access."""
        return self.faults.hits("url-scoped-only") or self.faults.hits("cross-hotel-access")

    def _authorise(self, request: web.Request) -> tuple[Row, Actor]:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        staff = self.store.staff(token.strip()) if scheme in ("Token", "Bearer") and token.strip() else None
        if staff is None:
            raise HttpError(401, {"detail": "Invalid or missing token. Send 'Authorization: Token <key>'."})
        hotel = self.store.hotel(request.match_info["hotel"])
        if hotel is None or (hotel["id"] != staff["hotel_id"] and not self._url_scoped()):
            raise HttpError(404, NOT_FOUND)
        return hotel, Actor(staff["id"], staff["name"], staff["hotel_id"], staff["slug"])

    @staticmethod
    def _ids(request: web.Request) -> dict[str, int]:
        ids: dict[str, int] = {}
        for name, raw in [*request.match_info.items(), *request.query.items()]:
            if name in ("id", "stocktake", "item"):
                parsed = positive_id(raw)
                if parsed is None and name == "id":
                    raise HttpError(404, NOT_FOUND)
                if parsed is None:
                    raise HttpError(400, {name: ["A valid integer is required."]})
                ids[name] = parsed
        if request.path.endswith("/stocktake-lines/") and "stocktake" not in ids:
            raise HttpError(400, {"stocktake": ["This query parameter is required."]})
        return ids

    def _read(self, op: Op) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            def run() -> Outcome:
                self.faults.serving(request.headers.get(OPERATION_HEADER))
                hotel, actor = self._authorise(request)
                return op(hotel, actor, self._ids(request), {})

            return await respond(self._readers, run)

        return handler

    def _write(
        self, op: Op, flaky: bool = False, line_patch: bool = False, movement: bool = False
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """`flaky` writes take the answer faults (500s, hangs); `line_patch` ones the refusal too;
        `movement` ones the movement stored before a 500."""

        async def handler(request: web.Request) -> web.Response:
            raw = await request.read()
            faults, operation = self.faults, request.headers.get(OPERATION_HEADER)
            hang = flaky and (faults.hits("hang-then-commit", operation) or faults.hits("late-response", operation))
            after_commit = HttpError(500, AFTER_COMMIT) if flaky and faults.hits("commit-then-500", operation) else None
            later = LaterValues() if line_patch and faults.hits("concurrent-values", operation) else None

            def run() -> Outcome:
                faults.serving(operation)
                hotel, actor = self._authorise(request)
                ids = self._ids(request)
                body = json_body(raw)
                socket_id = request.headers.get("X-Socket-ID") or body.pop("socket_id", None)
                if socket_id is not None and (not isinstance(socket_id, str) or not SOCKET_ID.match(socket_id)):
                    raise HttpError(400, {"socket_id": [f"Invalid socket id {socket_id!r}."]})
                if line_patch and faults.hits("refuse-line-writes"):
                    raise HttpError(403, REFUSED)
                if flaky and faults.hits("flaky-500"):
                    raise HttpError(500, {"detail": "Injected fault flaky-500: internal server error."})
                if flaky and faults.hits("html-500"):
                    raise HtmlError(500, DJANGO_500)
                if flaky and faults.hits("debug-500"):
                    raise HtmlError(500, debug_page(request.path))
                if movement:
                    self._movement_then_500(hotel, ids["id"], body)
                with self.store.write() as db:
                    outcome = op(db, hotel, actor, ids, body)
                self.commits.append(outcome)
                if later is not None:  # answered and broadcast once a concurrent write may have landed
                    later.hold(outcome, socket_id)
                    return outcome
                self.broadcaster.send(outcome.broadcasts, socket_id)
                if after_commit is not None:
                    raise after_commit
                if isinstance(body.get("quantity"), float) and faults.hits("float-quantity-500-stored"):
                    raise HttpError(500, {"detail": "Injected fault float-quantity-500-stored: saved, then raised."})
                return outcome

            response = await respond(self._writer, run)
            if later is not None and later.held is not None:
                response = as_response(await later.answer(self._writer, self.store, self.broadcaster))
            if hang:
                await asyncio.sleep(faults.slow_ms / 1000)
            return response

        return handler

    def _movement_then_500(self, hotel: Row, line_id: int, body: dict[str, Any]) -> None:
        """The movement-commit-then-500 fault: committed in a transaction of its own, then the 500."""
        with self.store.write() as db:
            stored = self.service.movement_then_500(db, hotel, line_id, body)
        if stored:
            raise HttpError(500, MOVEMENT_AFTER_COMMIT)

    def credentials(self) -> dict[str, Any]:
        """Tokens for the first staff member of each hotel, for the ready line and fixtures."""
        first, second = self.store.hotels()[:2]
        return {
            "hotel": first["slug"],
            "token": self.store.tokens(first["id"])[0],
            "other_hotel": second["slug"],
            "other_token": self.store.tokens(second["id"])[0],
            "tokens": self.store.tokens(first["id"]),
        }
