"""Pusher's limits in bytes and members, held by the embedded server: what keeps its memory bounded
when a client sends what Pusher would refuse (a 50 KB user_info, a 101st member, a client that
never reads)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pusher
import pytest

from harness.sim.pusher.hub import QUEUE_CHARS
from harness.sim.pusher.protocol import MAX_PRESENCE_MEMBERS, MAX_USER_INFO_BYTES
from harness.sim.pusher.signing import channel_auth
from harness.sim.served import ServedStack
from harness.sim.stack import EmbeddedStack
from harness.testing import wait_until
from tests.support import RawClient, sdk


class _Ready:
    """What RawClient needs of a stack, for a `stocksync serve` process."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info

    def ready_info(self) -> dict[str, Any]:
        return self.info


def _join(stack: Any, user_id: int, user_info: Any, channel: str = "presence-room") -> RawClient:
    client = RawClient(stack)
    socket_id = client.established()
    cfg = stack.ready_info()["pusher"]
    data = json.dumps({"user_id": user_id, "user_info": user_info})
    client.send(
        "pusher:subscribe",
        {"channel": channel, "auth": channel_auth(cfg["key"], cfg["secret"], socket_id, channel, data),
         "channel_data": data},
    )  # fmt: skip
    return client


def _answer(client: RawClient) -> dict[str, Any]:
    """The server's answer to a subscribe: succeeded, or refused."""
    while True:
        frame = client.recv()
        if frame["event"] in ("pusher_internal:subscription_succeeded", "pusher:subscription_error", "pusher:error"):
            return frame


def test_user_info_over_1_kb_is_refused_and_the_connection_lives_on(stocksync_stack: EmbeddedStack) -> None:
    fits = _join(stocksync_stack, 1, {"name": "x" * (MAX_USER_INFO_BYTES - 20)})
    assert _answer(fits)["event"] == "pusher_internal:subscription_succeeded"
    too_big = _join(stocksync_stack, 2, {"name": "x" * MAX_USER_INFO_BYTES})
    refused = _answer(too_big)
    assert refused["event"] == "pusher:subscription_error" and refused["channel"] == "presence-room"
    assert json.loads(refused["data"]) == {"type": "LimitReached", "error": "user_info is over 1024 bytes",
                                           "status": 4301}  # fmt: skip
    assert list(stocksync_stack.pusher.hub.members("presence-room")) == ["1"]
    too_big.send("pusher:ping", {})
    assert too_big.recv()["event"] == "pusher:pong", "a refused subscription leaves the connection open"
    for client in (fits, too_big):
        client.close()


def test_a_presence_channel_takes_100_members(stocksync_stack: EmbeddedStack) -> None:
    members = [_join(stocksync_stack, n, {"n": n}) for n in range(MAX_PRESENCE_MEMBERS)]
    assert all(_answer(c)["event"] == "pusher_internal:subscription_succeeded" for c in members)
    extra = _join(stocksync_stack, MAX_PRESENCE_MEMBERS, {})
    refused = _answer(extra)
    assert refused["event"] == "pusher:subscription_error"
    assert json.loads(refused["data"])["status"] == 4100
    again = _join(stocksync_stack, 0, {"n": 0})
    assert _answer(again)["event"] == "pusher_internal:subscription_succeeded", "a member already in may join twice"
    assert len(stocksync_stack.pusher.hub.members("presence-room")) == MAX_PRESENCE_MEMBERS
    for client in (*members, extra, again):
        client.close()


def test_presence_without_channel_data_is_refused(stocksync_stack: EmbeddedStack) -> None:
    client = RawClient(stocksync_stack)
    socket_id = client.established()
    cfg = stocksync_stack.ready_info()["pusher"]
    auth = channel_auth(cfg["key"], cfg["secret"], socket_id, "presence-room")
    client.send("pusher:subscribe", {"channel": "presence-room", "auth": auth})
    error = _answer(client)
    assert error["event"] == "pusher:error" and "channel_data" in error["data"]["message"]
    assert "presence-room" not in stocksync_stack.pusher.hub.channels
    client.close()


def test_a_client_that_never_reads_is_cut_off_by_the_bytes_queued(stocksync_stack_factory) -> None:
    """The frame count (10,000 by default) is never reached: 10 KB frames fill the byte bound first."""
    stack = stocksync_stack_factory()
    stalled = RawClient(stack, receive_buffer=4096)
    stalled_id = stalled.established()
    stalled.send("pusher:subscribe", {"channel": "busy"})
    wait_until(lambda: "busy" in stack.pusher.hub.channels, 5, what="the subscription")
    conn = stack.pusher.hub.connections[stalled_id]
    batch = [{"channel": "busy", "name": "bulk", "data": "y" * 10_000}] * 10
    client, peak = sdk(stack), 0
    for _ in range(300):
        client.trigger_batch(batch)
        peak = max(peak, conn.queued_chars)
        if conn.closed:
            break
    assert conn.closed, "the stalled client was cut off (4100)"
    assert 0 < peak <= QUEUE_CHARS


@pytest.fixture
def served() -> Iterator[ServedStack]:
    stack = ServedStack()
    try:
        yield stack
    finally:
        stack.stop()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_the_server_stays_small_under_presence_and_slow_client_attacks(served: ServedStack) -> None:
    """150 members with 50 KB user_info each grew the server past 1 GB, quadratically, before the
    limits; slow clients held about 95 MB each. Memory, not time, is asserted."""
    ready = _Ready(served.info)
    joined = [_join(ready, n, {"blob": "z" * 50_000}) for n in range(150)]
    assert all(_answer(c)["event"] == "pusher:subscription_error" for c in joined)
    stalled = [RawClient(ready, receive_buffer=4096) for _ in range(10)]
    for client in stalled:
        client.established()
        client.send("pusher:subscribe", {"channel": "busy"})
    listener = RawClient(ready)
    listener.established()
    listener.send("pusher:subscribe", {"channel": "busy"})
    listener.recv_until("pusher_internal:subscription_succeeded")
    pusher_info = served.pusher
    trigger = pusher.Pusher(app_id=pusher_info["app_id"], key=pusher_info["key"], secret=pusher_info["secret"],
                            host="127.0.0.1", port=pusher_info["port"], ssl=False)  # fmt: skip
    batch = [{"channel": "busy", "name": "bulk", "data": "y" * 10_000}] * 10
    peak = 0.0
    for _ in range(150):
        trigger.trigger_batch(batch)
        peak = max(peak, _rss_mb(served.process.pid))
    assert peak < 300, f"the server grew to {peak:.0f} MB"
    for client in (*joined, *stalled, listener):
        client.close()
