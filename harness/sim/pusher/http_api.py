"""The HTTP API of the embedded Pusher server, answering as Pusher does.

Every route checks the app id (404) and the request signature (401) before anything
else, then parses the body with the pure functions in `protocol` (400 / 413).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ...spec.channel_kinds import is_presence
from . import protocol
from .appkey import SERVER
from .signing import RequestRejected, verify_request

if TYPE_CHECKING:
    from .server import PusherServer

Handler = Callable[[web.Request, "PusherServer", bytes], Awaitable[Any]]


def _signed(handler: Handler, trigger: bool = False) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`trigger`: a route a backend publishes through, whose every refusal is logged as evidence."""

    async def wrapped(request: web.Request) -> web.Response:
        server: PusherServer = request.app[SERVER]
        if request.match_info.get("app_id", server.config.app_id) != server.config.app_id:
            return web.json_response({"error": "Unknown app"}, status=404)
        body = await request.read()
        try:
            verify_request(
                server.config.key,
                server.config.secret,
                request.method,
                request.path,
                dict(request.query),
                body,
                time.time(),
            )
            return web.json_response(await handler(request, server, body))
        except RequestRejected as exc:
            if trigger:
                server.rejections.append(_rejection(body, exc))
            return web.Response(status=exc.status, text=exc.message)

    return wrapped


CHANNELS_KEPT = 3  # the runner records a rejection per channel kept: a trigger of many is told by its count
REFUSAL_KINDS = {401: "bad-signature", 413: "oversize"}


def _rejection(body: bytes, exc: RequestRejected) -> dict[str, Any]:
    """What a refused trigger was, as far as its body says: evidence for oversize-payload (413) and
    for trigger-refused (a bad signature, too many channels, any other bad request)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = {}
    items = parsed.get("batch", [parsed]) if isinstance(parsed, dict) else []
    items = items if isinstance(items, list) else []
    big = max((i for i in items if isinstance(i, dict)), key=lambda i: len(str(i.get("data", ""))), default={})
    channels = big.get("channels") or [big.get("channel")]
    if not isinstance(channels, list):
        channels = [str(channels)]
    kind = REFUSAL_KINDS.get(exc.status, "too-many-channels" if "Too many channels" in exc.message else "bad-request")
    return {
        "status": exc.status,
        "kind": kind,
        "message": exc.message,
        "event": big.get("name"),
        "channels": channels[: 1 if kind == "too-many-channels" else CHANNELS_KEPT],
        "channel_count": len(channels),
        "bytes": len(str(big.get("data", "")).encode()),
        "at": time.time(),
    }


async def _events(request: web.Request, server: PusherServer, body: bytes) -> dict[str, Any]:
    server.hub.publish(protocol.parse_trigger(body))
    return {}


async def _batch_events(request: web.Request, server: PusherServer, body: bytes) -> dict[str, Any]:
    publishes = protocol.parse_batch(body)
    for publish in publishes:
        server.hub.publish(publish)
    return {"batch": [{} for _ in publishes]}


def _info_fields(request: web.Request) -> set[str]:
    return {f for f in request.query.get("info", "").split(",") if f}


async def _channels(request: web.Request, server: PusherServer, body: bytes) -> dict[str, Any]:
    prefix = request.query.get("filter_by_prefix", "")
    wants_users = "user_count" in _info_fields(request)
    if wants_users and not is_presence(prefix):
        raise RequestRejected(400, "user_count may only be requested with filter_by_prefix=presence-")
    channels: dict[str, Any] = {}
    for name in server.hub.channels:
        if name.startswith(prefix):
            channels[name] = {"user_count": len(server.hub.members(name))} if wants_users else {}
    return {"channels": channels}


async def _channel(request: web.Request, server: PusherServer, body: bytes) -> dict[str, Any]:
    name = request.match_info["channel"]
    problem = protocol.channel_name_problem(name)
    if problem:
        raise RequestRejected(400, problem)
    subscribers = server.hub.channels.get(name, {})
    info: dict[str, Any] = {"occupied": bool(subscribers)}
    fields = _info_fields(request)
    if "subscription_count" in fields:
        info["subscription_count"] = len(subscribers)
    if "user_count" in fields:
        if not is_presence(name):
            raise RequestRejected(400, "user_count is only available for presence channels")
        info["user_count"] = len(server.hub.members(name))
    return info


async def _users(request: web.Request, server: PusherServer, body: bytes) -> dict[str, Any]:
    name = request.match_info["channel"]
    if not is_presence(name):
        raise RequestRejected(400, "users are only available for presence channels")
    return {"users": [{"id": user_id} for user_id in server.hub.members(name)]}


async def _harness_log(request: web.Request, server: PusherServer, body: bytes) -> dict[str, Any]:
    """Not part of Pusher's API: lets a harness in another process read what the server did. Signed
    like the HTTP API (it names sockets and channels), and bounded: what fell off is counted."""
    faults = server.hub.faults
    return {
        "faults": [asdict(f) for f in faults.injected()],
        "faults_dropped": faults.log.dropped,
        "rejections": list(server.rejections),
        "rejections_dropped": server.rejections.dropped,
    }


def add_routes(app: web.Application) -> None:
    app.router.add_post("/apps/{app_id}/events", _signed(_events, trigger=True))
    app.router.add_post("/apps/{app_id}/batch_events", _signed(_batch_events, trigger=True))
    app.router.add_get("/apps/{app_id}/channels", _signed(_channels))
    app.router.add_get("/apps/{app_id}/channels/{channel}", _signed(_channel))
    app.router.add_get("/apps/{app_id}/channels/{channel}/users", _signed(_users))
    app.router.add_get("/_harness/log", _signed(_harness_log))
