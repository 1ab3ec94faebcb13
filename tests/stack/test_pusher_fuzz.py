"""Property tests: garbage in, pusher:error or 4xx out, and everyone else keeps being served."""

from __future__ import annotations

import json
import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.sim.pusher import protocol
from harness.sim.pusher.signing import RequestRejected, signed_query
from harness.sim.stack import EmbeddedStack
from tests.support import RawClient, sdk

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
frames = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {
            "event": st.sampled_from(
                ["pusher:subscribe", "pusher:unsubscribe", "pusher:ping", "client-x", "pusher:other"]
            ),
            "data": json_values,
            "channel": st.none() | st.text(max_size=20),
        }
    ).map(json.dumps),
)


@given(frames)
def test_frame_parsing_raises_only_protocol_errors(text: str) -> None:
    try:
        frame = protocol.parse_client_frame(text)
        if frame.event == "pusher:subscribe":
            protocol.subscription_request(frame.data)
    except protocol.ProtocolError as exc:
        assert exc.message


@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_trigger_parsing_raises_only_4xx(body: bytes) -> None:
    for parse in (protocol.parse_trigger, protocol.parse_batch):
        try:
            parse(body)
        except RequestRejected as exc:
            assert 400 <= exc.status < 500


@pytest.fixture(scope="module")
def fuzz_target():
    with EmbeddedStack() as stack:
        bystander = RawClient(stack)
        bystander.established()
        bystander.send("pusher:subscribe", {"channel": "bystander"})
        bystander.recv_until("pusher_internal:subscription_succeeded")
        yield stack, bystander
        bystander.close()
        stack.check()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(frames, min_size=1, max_size=5))
def test_garbage_frames_over_the_wire(fuzz_target, texts: list[str]) -> None:
    stack, bystander = fuzz_target
    attacker = RawClient(stack)
    attacker.established()
    for text in texts:
        attacker.ws.send(text)
    attacker.send("pusher:ping", {})
    attacker.recv_until("pusher:pong")
    attacker.close()
    sdk(stack).trigger("bystander", "still-served", {"at": time.time()})
    assert bystander.recv_until("still-served")["channel"] == "bystander"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(["events", "batch_events"]),
)
def test_garbage_http_bodies_get_4xx(fuzz_target, body: bytes, route: str) -> None:
    stack, _ = fuzz_target
    cfg = stack.pusher.config
    path = f"/apps/{cfg.app_id}/{route}"
    query = signed_query(cfg.key, cfg.secret, "POST", path, body, int(time.time()))
    response = requests.post(f"http://127.0.0.1:{stack.pusher_port}{path}", params=query, data=body, timeout=5)
    assert 400 <= response.status_code < 500 or response.status_code == 200
    if response.status_code == 200:
        assert json.loads(body), "only a valid trigger is accepted"


def _post(stack: EmbeddedStack, route: str, payload: object, app_id: str | None = None) -> requests.Response:
    cfg = stack.pusher.config
    body = json.dumps(payload).encode()
    path = f"/apps/{app_id or cfg.app_id}/{route}"
    query = signed_query(cfg.key, cfg.secret, "POST", path, body, int(time.time()))
    return requests.post(f"http://127.0.0.1:{stack.pusher_port}{path}", params=query, data=body, timeout=5)


def test_unknown_app_is_404_and_bad_socket_id_is_400(stocksync_stack: EmbeddedStack) -> None:
    payload = {"name": "e", "data": "{}", "channels": ["a"], "socket_id": "nope"}
    assert _post(stocksync_stack, "events", payload, app_id="999").status_code == 404
    response = _post(stocksync_stack, "events", payload)
    assert response.status_code == 400 and "socket_id" in response.text


@pytest.mark.parametrize(
    ("route", "payload", "status", "message"),
    [
        ("events", {"name": "e", "data": "{}", "channels": [f"c{i}" for i in range(101)]}, 400, "Too many channels"),
        ("events", {"name": "e", "data": "{}", "channels": ["bad name"]}, 400, "invalid channel name"),
        ("events", {"name": "x" * 201, "data": "{}", "channels": ["a"]}, 400, "event name"),
        ("events", {"name": "e", "data": {"not": "a string"}, "channels": ["a"]}, 400, "data must be a string"),
        ("events", {"name": "e", "data": "z" * 10_241, "channels": ["a"]}, 413, "10240"),
        ("batch_events", {"batch": [{"channel": "a", "name": "e", "data": "{}"}] * 11}, 400, "Batch too large"),
    ],
)
def test_trigger_limits(stocksync_stack: EmbeddedStack, route: str, payload, status: int, message: str) -> None:
    response = _post(stocksync_stack, route, payload)
    assert response.status_code == status
    assert message in response.text
