"""Conformance of the embedded Pusher server with the real clients: pysher and the pusher SDK."""

from __future__ import annotations

import json

import pusher.errors
import pytest

from harness.sim.stack import EmbeddedStack
from harness.testing import wait_until
from tests.support import PysherClient, sdk

CHANNEL = "hotel-killarney-stocktake-5"


@pytest.fixture
def listener(stocksync_stack: EmbeddedStack):
    client = PysherClient(stocksync_stack, [CHANNEL, "private-hotel-killarney-stocktake-5"])
    yield client
    client.close()


def test_pysher_connects_subscribes_and_receives(stocksync_stack: EmbeddedStack, listener: PysherClient) -> None:
    assert listener.subscribed == {CHANNEL, "private-hotel-killarney-stocktake-5"}
    sdk(stocksync_stack).trigger(CHANNEL, "test-event", {"n": 1})
    sdk(stocksync_stack).trigger("private-hotel-killarney-stocktake-5", "test-event", {"n": 2})
    got = wait_until(lambda: len(listener.received("test-event")) == 2 and listener.received("test-event"))
    assert sorted(json.loads(d)["n"] for d in got) == [1, 2]


def test_socket_id_excludes_exactly_that_connection(stocksync_stack: EmbeddedStack) -> None:
    sender, other = PysherClient(stocksync_stack, [CHANNEL]), PysherClient(stocksync_stack, [CHANNEL])
    try:
        sdk(stocksync_stack).trigger(CHANNEL, "test-event", {"from": "sender"}, socket_id=sender.socket_id)
        sdk(stocksync_stack).trigger(CHANNEL, "test-event", {"marker": "last"})
        wait_until(lambda: len(other.received("test-event")) == 2, what="other gets both")
        wait_until(lambda: len(sender.received("test-event")) == 1, what="sender gets the marker")
        assert [json.loads(d) for d in sender.received("test-event")] == [{"marker": "last"}]
    finally:
        sender.close()
        other.close()


def test_sdk_trigger_batch_and_channel_info(stocksync_stack: EmbeddedStack, listener: PysherClient) -> None:
    client = sdk(stocksync_stack)
    assert client.trigger_batch(
        [{"channel": CHANNEL, "name": "test-event", "data": json.dumps({"b": i})} for i in range(10)]
    ) == {"batch": [{}] * 10}
    wait_until(lambda: len(listener.received("test-event")) == 10)
    channels = client.channels_info(prefix_filter="hotel-")["channels"]
    assert CHANNEL in channels
    info = client.channel_info(CHANNEL, ["subscription_count"])
    assert info["occupied"] is True and info["subscription_count"] >= 1
    assert client.channel_info("nobody-here")["occupied"] is False


def test_sdk_signature_failure_is_401(stocksync_stack: EmbeddedStack) -> None:
    with pytest.raises(pusher.errors.PusherBadAuth):
        sdk(stocksync_stack, secret="not-the-secret").trigger(CHANNEL, "test-event", {})


def test_sdk_data_over_10kb_is_413_and_at_limit_passes(stocksync_stack: EmbeddedStack) -> None:
    client = sdk(stocksync_stack)
    client.trigger(CHANNEL, "test-event", "x" * 10_240)
    with pytest.raises(pusher.errors.PusherBadStatus, match="413"):
        client.trigger(CHANNEL, "test-event", "x" * 10_241)


def test_pysher_reconnects_and_resubscribes_with_auto_sub(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory(faults=["pusher-disconnect"])
    client = PysherClient(stack, [CHANNEL])
    try:
        sdk(stack).trigger(CHANNEL, "test-event", {"n": 1})
        wait_until(lambda: client.connects >= 2, what="pysher reconnect after 4200")
        assert client.received("test-event") == []
        stack.pusher.set_faults(type(stack.pusher.config.faults)())
        wait_until(lambda: stack.pusher.hub.channels.get(CHANNEL), what="auto_sub resubscribed")
        sdk(stack).trigger(CHANNEL, "test-event", {"n": 2})
        got = wait_until(lambda: client.received("test-event"))
        assert [json.loads(d) for d in got] == [{"n": 2}]
    finally:
        client.close()
