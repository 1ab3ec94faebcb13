"""A Pusher server that sends frames outside the protocol: the asyncio listener records each one
(`frame-error`, with the frame) and listens on, as pusher-js and pysher do, instead of its task
dying with no disconnect on record."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aiohttp import web

from harness.bots.endpoint import PusherEndpoint
from harness.bots.fleet import ListenerFleet
from harness.record.history import History
from harness.sim.background import BackgroundLoop
from harness.testing import wait_until

HOSTILE = ["not json", "[1, 2]", '{"event": 5, "channel": "c"}', '{"event": "pusher:connection_established"}']


async def _hostile(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    data = json.dumps({"socket_id": "1.1", "activity_timeout": 120})
    await ws.send_str(json.dumps({"event": "pusher:connection_established", "data": data}))
    subscribe = json.loads(await ws.receive_str())
    channel = subscribe["data"]["channel"]
    await ws.send_str(json.dumps({"event": "pusher_internal:subscription_succeeded", "channel": channel, "data": "{}"}))
    for frame in HOSTILE:
        await ws.send_str(frame)
    await ws.send_str(json.dumps({"event": "line-counted-updated", "channel": channel, "data": '{"n": 1}'}))
    async for _ in ws:
        pass
    return ws


@pytest.fixture
def hostile_server() -> Iterator[int]:
    loop = BackgroundLoop()
    app = web.Application()
    app.router.add_get("/app/{key}", _hostile)
    try:
        yield loop.serve(app)
    finally:
        loop.stop()


def test_frames_outside_the_protocol_are_recorded_and_the_listener_listens_on(hostile_server: int) -> None:
    history = History()
    fleet = ListenerFleet(PusherEndpoint("key", port=hostile_server), history, "asyncio")
    try:
        listener = fleet.add("viewer-1", ["hotel-killarney-stocktake-1"])
        wait_until(lambda: listener.recorder.receipts == 1, what="the event after the bad frames")
        errors = list(history.data.of_kind("frame-error"))
        assert [o.data["frame"] for o in errors] == HOSTILE
        assert all(o.listener == "viewer-1" and o.data["error"] for o in errors)
        assert listener.recorder.socket_id == "1.1", "still connected: no disconnect on record"
        assert not list(history.data.of_kind("disconnect"))
    finally:
        fleet.stop()
