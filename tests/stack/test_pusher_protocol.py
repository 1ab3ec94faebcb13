"""The WebSocket protocol of the embedded Pusher server, frame by frame."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import requests

from harness.sim.pusher.signing import channel_auth
from harness.sim.stack import EmbeddedStack
from harness.testing import wait_until
from tests.support import RawClient, sdk


def _auth(stack: EmbeddedStack, socket_id: str, channel: str, channel_data: str | None = None) -> str:
    cfg = stack.pusher.config
    return channel_auth(cfg.key, cfg.secret, socket_id, channel, channel_data)


@pytest.mark.parametrize("protocol", ["5", "6", "7"])
def test_connection_established_for_protocols_5_to_7(stocksync_stack: EmbeddedStack, protocol: str) -> None:
    client = RawClient(stocksync_stack, query=f"?protocol={protocol}&client=js&version=8.6.0")
    frame = client.recv_until("pusher:connection_established")
    assert isinstance(frame["data"], str), "data must be a JSON string, as Pusher sends it"
    data = json.loads(frame["data"])
    assert data["activity_timeout"] == 120
    assert data["socket_id"].count(".") == 1 and data["socket_id"].replace(".", "").isdigit()
    client.close()


@pytest.mark.parametrize(
    ("key", "query", "code"),
    [("nope", "?protocol=7", 4001), (None, "", 4008), (None, "?protocol=4", 4007), (None, "?protocol=x", 4007)],
)
def test_refused_connections_get_error_then_close_code(stocksync_stack, key, query, code) -> None:
    client = RawClient(stocksync_stack, key=key, query=query)
    error = client.recv()
    assert error["event"] == "pusher:error" and error["data"]["code"] == code
    assert client.recv() == {"event": "<close>", "code": code}


def test_pusher_ping_gets_pong_and_websocket_ping_gets_pong(stocksync_stack: EmbeddedStack) -> None:
    client = RawClient(stocksync_stack)
    client.established()
    client.send("pusher:ping", {})
    assert client.recv()["event"] == "pusher:pong"
    client.ws.ping(b"hi")
    client.ws.settimeout(5)
    opcode, payload = client.ws.recv_data(control_frame=True)
    assert (opcode, payload) == (0xA, b"hi")
    client.close()


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1,2]", "JSON object"),
        ('{"data": {}}', "no event"),
        ('{"event": "pusher:subscribe", "data": "nope"}', "must be an object"),
        ('{"event": "pusher:subscribe", "data": {"channel": "bad channel!"}}', "invalid channel name"),
        ('{"event": "pusher:unknown", "data": {}}', "Unsupported event"),
        ('{"event": "client-x", "channel": "public", "data": {}}', "private and presence"),
    ],
)
def test_bad_frames_get_pusher_error_and_connection_lives(stocksync_stack, frame: str, message: str) -> None:
    client = RawClient(stocksync_stack)
    client.established()
    client.ws.send(frame)
    error = client.recv_until("pusher:error")
    assert message in error["data"]["message"]
    client.send("pusher:ping", {})
    assert client.recv_until("pusher:pong")
    client.close()


def test_private_subscription_checks_signature(stocksync_stack: EmbeddedStack) -> None:
    client = RawClient(stocksync_stack)
    socket_id = client.established()
    client.send("pusher:subscribe", {"channel": "private-a", "auth": "key:" + "0" * 64})
    assert "Invalid signature" in client.recv_until("pusher:error")["data"]["message"]
    client.send("pusher:subscribe", {"channel": "private-a", "auth": _auth(stocksync_stack, socket_id, "private-a")})
    ok = client.recv_until("pusher_internal:subscription_succeeded")
    assert ok["channel"] == "private-a"
    client.close()


def _presence(stack: EmbeddedStack, user_id: int) -> tuple[RawClient, str]:
    client = RawClient(stack)
    socket_id = client.established()
    data = json.dumps({"user_id": user_id, "user_info": {"name": f"user {user_id}"}})
    client.send(
        "pusher:subscribe",
        {"channel": "presence-room", "auth": _auth(stack, socket_id, "presence-room", data), "channel_data": data},
    )
    return client, socket_id


def test_presence_members_added_and_removed(stocksync_stack: EmbeddedStack) -> None:
    first, _ = _presence(stocksync_stack, 1)
    hello = json.loads(first.recv_until("pusher_internal:subscription_succeeded")["data"])
    assert hello["presence"]["ids"] == ["1"] and hello["presence"]["count"] == 1
    second, _ = _presence(stocksync_stack, 2)
    assert json.loads(second.recv_until("pusher_internal:subscription_succeeded")["data"])["presence"]["count"] == 2
    added = first.recv_until("pusher_internal:member_added")
    assert json.loads(added["data"]) == {"user_id": "2", "user_info": {"name": "user 2"}}
    assert sdk(stocksync_stack).users_info("presence-room") == {"users": [{"id": "1"}, {"id": "2"}]}
    second.close()
    removed = first.recv_until("pusher_internal:member_removed")
    assert json.loads(removed["data"]) == {"user_id": "2"}
    first.close()


def test_client_events_reach_others_not_sender_and_are_rate_limited(stocksync_stack: EmbeddedStack) -> None:
    sender, receiver = RawClient(stocksync_stack), RawClient(stocksync_stack)
    for client in (sender, receiver):
        socket_id = client.established()
        client.send(
            "pusher:subscribe", {"channel": "private-chat", "auth": _auth(stocksync_stack, socket_id, "private-chat")}
        )
        client.recv_until("pusher_internal:subscription_succeeded")
    for n in range(11):
        sender.send("client-typing", {"n": n}, channel="private-chat")
    got = [receiver.recv_until("client-typing")["data"]["n"] for _ in range(10)]
    assert got == list(range(10))
    limited = sender.recv_until("pusher:error")
    assert limited["data"]["code"] == 4301
    sender.send("pusher:ping", {})
    assert sender.recv()["event"] == "pusher:pong", "the sender got its own client event back"
    sender.close()
    receiver.close()


def test_silent_client_is_pinged_then_closed_with_4201(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory(activity_timeout=1, pong_timeout=0.5)
    client = RawClient(stack)
    client.established()
    assert client.recv(timeout=5)["event"] == "pusher:ping"
    assert client.recv(timeout=5)["data"]["code"] == 4201
    assert client.recv() == {"event": "<close>", "code": 4201}


def test_answered_ping_keeps_connection(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory(activity_timeout=1, pong_timeout=0.5)
    client = RawClient(stack)
    client.established()
    assert client.recv(timeout=5)["event"] == "pusher:ping"
    client.send("pusher:pong", {})
    assert client.recv(timeout=5)["event"] == "pusher:ping", "still connected and pinged again"
    client.close()


def test_a_client_that_never_reads_does_not_stall_others(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory()
    stack.pusher.hub.queue_limit = 50
    stalled = RawClient(stack, receive_buffer=4096)
    stalled.established()
    stalled.send("pusher:subscribe", {"channel": "busy"})
    healthy = RawClient(stack)
    healthy_id = healthy.established()
    healthy.send("pusher:subscribe", {"channel": "busy"})
    healthy.recv_until("pusher_internal:subscription_succeeded")
    wait_until(lambda: len(stack.pusher.hub.channels.get("busy", {})) == 2)
    client = sdk(stack)
    batch = [{"channel": "busy", "name": "bulk", "data": "y" * 10_000}] * 10
    for _ in range(200):
        client.trigger_batch(batch)
        for _ in range(10):
            assert healthy.recv_until("bulk")["event"] == "bulk"
        if len(stack.pusher.hub.channels.get("busy", {})) == 1:
            break
    assert list(stack.pusher.hub.channels["busy"]) == [healthy_id], "the stalled client was cut off (4100)"


def test_a_client_flooding_pings_without_reading_is_closed_as_over_capacity(stocksync_stack_factory) -> None:
    """Pongs go through the same bounded queue as events: a client that does not read is cut off
    (4100), as Pusher closes slow clients, instead of its pongs being dropped in silence."""
    stack = stocksync_stack_factory()
    stack.pusher.hub.queue_limit = 50
    flooder = RawClient(stack, receive_buffer=4096)
    socket_id = flooder.established()
    flooder.ws.sock.setblocking(False)
    frame = json.dumps({"event": "pusher:ping", "data": {}})
    sent = 0
    while socket_id in stack.pusher.hub.connections and sent < 200_000:
        try:
            flooder.ws.send(frame)
            sent += 1
        except (BlockingIOError, OSError):
            break
    wait_until(lambda: socket_id not in stack.pusher.hub.connections, 10, what="the flooder to be cut off")
    assert sent < 200_000


def test_the_harness_log_is_signed_like_the_http_api(stocksync_stack_factory) -> None:
    from pusher import http as pusher_http
    from pusher.pusher_client import PusherClient

    stack = stocksync_stack_factory()
    cfg = stack.pusher.config
    base = f"http://127.0.0.1:{stack.pusher_port}"
    assert requests.get(f"{base}/_harness/log", timeout=5).status_code == 401
    client = PusherClient(
        app_id=cfg.app_id, key=cfg.key, secret=cfg.secret, host="127.0.0.1", port=stack.pusher_port, ssl=False
    )
    signed = requests.get(pusher_http.Request(client, "GET", "/_harness/log").url, timeout=5)
    assert signed.status_code == 200
    assert signed.json() == {"faults": [], "faults_dropped": 0, "rejections": [], "rejections_dropped": 0}


def test_a_fan_out_reaches_plain_and_compressed_connections_alike_and_in_order(stocksync_stack: EmbeddedStack) -> None:
    """Frames go straight to an idle plain connection's socket, framed once for all (`frames.py`); a
    connection that negotiated permessage-deflate gets aiohttp's. Both read the same events, whole and
    in order, at each of the WebSocket length forms (7-bit, 16-bit)."""
    info = stocksync_stack.ready_info()["pusher"]
    texts = [
        json.dumps({"n": n, "pad": "é" * size}, ensure_ascii=False)
        for n, size in enumerate([5, 60, 200, 2000, 4000] * 6)
    ]

    async def read(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[str]:
        got = []
        while len(got) < count:
            frame = json.loads(await ws.receive_str(timeout=10))
            if frame["event"] == "sized":
                got.append(frame["data"])
        return got

    async def scenario() -> tuple[list[str], list[str], int]:
        url = f"ws://127.0.0.1:{info['port']}/app/{info['key']}?protocol=7"
        async with aiohttp.ClientSession() as session:
            plain = await session.ws_connect(url, compress=0)
            deflated = await session.ws_connect(url, compress=15)
            for ws in (plain, deflated):
                await ws.send_str(json.dumps({"event": "pusher:subscribe", "data": {"channel": "frames"}}))
                while json.loads(await ws.receive_str(timeout=10))["event"] != "pusher_internal:subscription_succeeded":
                    pass
            client = sdk(stocksync_stack)
            for start in range(0, len(texts), 10):
                await asyncio.to_thread(
                    client.trigger_batch,
                    [{"channel": "frames", "name": "sized", "data": t} for t in texts[start : start + 10]],
                )
            return await read(plain, len(texts)), await read(deflated, len(texts)), deflated.compress

    plain, deflated, negotiated = asyncio.run(scenario())
    assert negotiated, "the second connection negotiated permessage-deflate"
    assert plain == texts and deflated == texts


def test_frames_sent_in_a_turn_land_before_a_close_sent_after_them(stocksync_stack: EmbeddedStack) -> None:
    """Frames to an idle connection wait for the end of the loop's turn (`outbox.py`); a close the
    server sends after them in that turn still lands after them, as the protocol's order says."""
    client = RawClient(stocksync_stack)
    socket_id = client.established()
    hub = stocksync_stack.pusher.hub

    async def frames_then_close() -> None:
        conn = hub.connections[socket_id]
        for n in range(3):
            hub.deliver(conn, json.dumps({"event": "numbered", "data": str(n)}))
        assert conn.unsent, "the frames wait in the outbox for the end of the turn"
        hub.close(conn, 4200, "Injected disconnect: reconnect now")

    assert stocksync_stack.loop is not None
    stocksync_stack.loop.call(frames_then_close())
    assert [client.recv()["data"] for _ in range(3)] == ["0", "1", "2"]
    assert client.recv()["event"] == "pusher:error", "then the close's error frame"
    assert client.recv() == {"event": "<close>", "code": 4200}
