"""Signatures against the known-answer examples of Pusher's own documentation."""

from __future__ import annotations

import pytest

from harness.sim.pusher.signing import (
    RequestRejected,
    body_md5,
    channel_auth,
    sign_request,
    signed_query,
    verify_request,
)

KEY, SECRET = "278d425bdf160c739803", "7ad3773142a6692b25b8"
DOC_BODY = b'{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}'
DOC_PARAMS = {
    "auth_key": KEY,
    "auth_timestamp": "1353088179",
    "auth_version": "1.0",
    "body_md5": "ec365a775a4cd0599faeb73354201b6f",
}
DOC_SIGNATURE = "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"


def test_http_api_worked_example_from_pushers_docs() -> None:
    assert body_md5(DOC_BODY) == DOC_PARAMS["body_md5"]
    assert sign_request(SECRET, "POST", "/apps/3/events", DOC_PARAMS) == DOC_SIGNATURE
    verify_request(
        KEY,
        SECRET,
        "POST",
        "/apps/3/events",
        {**DOC_PARAMS, "auth_signature": DOC_SIGNATURE},
        DOC_BODY,
        now=1353088179 + 10,
    )


def test_private_channel_worked_example_from_pushers_docs() -> None:
    assert channel_auth(KEY, SECRET, "1234.1234", "private-foobar") == (
        f"{KEY}:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
    )


def test_presence_channel_worked_example_from_pushers_docs() -> None:
    channel_data = '{"user_id":10,"user_info":{"name":"Mr. Channels"}}'
    assert channel_auth(KEY, SECRET, "1234.1234", "presence-foobar", channel_data) == (
        f"{KEY}:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda q: q.update(auth_signature="0" * 64), "Invalid signature"),
        (lambda q: q.update(auth_timestamp="1000"), "Timestamp expired"),
        (lambda q: q.update(auth_key="other"), "Unknown auth_key"),
        (lambda q: q.pop("auth_signature"), "Missing auth_signature"),
        (lambda q: q.update(body_md5="0" * 32), "body_md5"),
    ],
)
def test_bad_requests_are_refused_with_401(mutate, message: str) -> None:
    query = signed_query(KEY, SECRET, "POST", "/apps/3/events", DOC_BODY, timestamp=2_000_000_000)
    mutate(query)
    with pytest.raises(RequestRejected) as caught:
        verify_request(KEY, SECRET, "POST", "/apps/3/events", query, DOC_BODY, now=2_000_000_000)
    assert caught.value.status == 401
    assert message in caught.value.message


def test_timestamp_within_600_seconds_is_accepted() -> None:
    query = signed_query(KEY, SECRET, "GET", "/apps/3/channels", b"", timestamp=2_000_000_000)
    verify_request(KEY, SECRET, "GET", "/apps/3/channels", query, b"", now=2_000_000_000 + 599)
    with pytest.raises(RequestRejected):
        verify_request(KEY, SECRET, "GET", "/apps/3/channels", query, b"", now=2_000_000_000 + 601)


def test_the_servers_logs_are_a_ring_that_counts_what_fell_off() -> None:
    from harness.sim.pusher.faults import Ring

    ring: Ring[int] = Ring(limit=3)
    for n in range(5):
        ring.append(n)
    assert list(ring) == [2, 3, 4] and ring.dropped == 2
