"""Each delivery fault of the embedded Pusher server, seen by a real pysher client."""

from __future__ import annotations

import json
import time

from harness.sim.pusher import DeliveryFaults
from harness.testing import wait_until
from tests.support import PysherClient, sdk

CHANNEL = "hotel-killarney-stocktake-9"


def _numbers(client: PysherClient) -> list[int]:
    return [json.loads(d)["n"] for d in client.received("test-event")]


def _run(stack, faults: dict[str, float], count: int, **options) -> tuple[PysherClient, PysherClient]:
    """One listener outside the fault filter proves every event was published."""
    stack.pusher.set_faults(DeliveryFaults(rates=faults, seed=3, channel=CHANNEL, **options))
    victim = PysherClient(stack, [CHANNEL])
    witness = PysherClient(stack, [CHANNEL + "-witness"])
    for n in range(count):
        sdk(stack).trigger([CHANNEL, CHANNEL + "-witness"], "test-event", {"n": n})
    wait_until(lambda: len(witness.received()) == count, what="witness gets every event")
    return victim, witness


def test_drop_loses_events_for_that_connection_only(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory()
    victim, witness = _run(stack, {"drop": 0.5}, 20)
    dropped = [f for f in stack.pusher.hub.faults.injected() if f.kind == "drop"]
    assert 0 < len(dropped) < 20
    assert {f.socket_id for f in dropped} == {victim.socket_id}
    wait_until(lambda: len(victim.received()) == 20 - len(dropped))
    got = _numbers(victim)
    assert got == sorted(set(got)), "what was not dropped arrives once, in order"


def test_duplicate_delivers_twice(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory()
    victim, _ = _run(stack, {"duplicate": 1.0}, 3)
    wait_until(lambda: len(victim.received()) == 6)
    assert _numbers(victim) == [0, 0, 1, 1, 2, 2]
    assert [f.kind for f in stack.pusher.hub.faults.injected()] == ["duplicate"] * 3


def test_delay_holds_events_back(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory()
    start = time.monotonic()
    victim, witness = _run(stack, {"delay": 1.0}, 1, delay_ms=800)
    assert victim.received() == [], "the victim has nothing yet while the witness has it"
    wait_until(lambda: victim.received(), timeout=5)
    assert time.monotonic() - start >= 0.8


def test_reorder_swaps_two_consecutive_events(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory()
    stack.pusher.set_faults(DeliveryFaults(rates={"reorder": 1.0}, seed=1, channel=CHANNEL))
    victim = PysherClient(stack, [CHANNEL])
    for n in range(4):
        sdk(stack).trigger(CHANNEL, "test-event", {"n": n})
    wait_until(lambda: len(victim.received()) == 4)
    assert _numbers(victim) == [1, 0, 3, 2]


def test_disconnect_cuts_the_connection_with_4200(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory()
    victim, _ = _run(stack, {"disconnect": 1.0}, 1)
    wait_until(lambda: victim.connects >= 2, what="pysher reconnects after 4200")
    assert victim.received() == []
    assert [f.kind for f in stack.pusher.hub.faults.injected()] == ["disconnect"]


def test_no_faults_means_exact_delivery(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory()
    victim, _ = _run(stack, {}, 10)
    wait_until(lambda: len(victim.received()) == 10)
    assert _numbers(victim) == list(range(10))
    assert stack.pusher.hub.faults.injected() == []
