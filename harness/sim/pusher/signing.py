"""Pusher's two signatures: the HTTP API request signature and the channel auth token.

Both sides use these functions (the server verifies, bots and tests sign), so a mistake
here cannot hide behind a matching mistake elsewhere: the known-answer vectors from
Pusher's docs pin them down in the tests.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

AUTH_VERSION = "1.0"
TIMESTAMP_GRACE_S = 600


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def body_md5(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()


def string_to_sign(method: str, path: str, params: Mapping[str, str]) -> str:
    """Pusher signs the lower-cased, key-sorted query without auth_signature."""
    items = sorted((k.lower(), v) for k, v in params.items() if k != "auth_signature")
    query = "&".join(f"{k}={v}" for k, v in items)
    return f"{method.upper()}\n{path}\n{query}"


def sign_request(secret: str, method: str, path: str, params: Mapping[str, str]) -> str:
    return hmac_hex(secret, string_to_sign(method, path, params))


def signed_query(key: str, secret: str, method: str, path: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The full query string a client sends; used by our own signed calls and tests."""
    params = {"auth_key": key, "auth_timestamp": str(timestamp), "auth_version": AUTH_VERSION}
    if body:
        params["body_md5"] = body_md5(body)
    params["auth_signature"] = sign_request(secret, method, path, params)
    return params


def channel_auth(key: str, secret: str, socket_id: str, channel: str, channel_data: str | None = None) -> str:
    """The `auth` value a private or presence subscription must carry."""
    subject = f"{socket_id}:{channel}" if channel_data is None else f"{socket_id}:{channel}:{channel_data}"
    return f"{key}:{hmac_hex(secret, subject)}"


class RequestRejected(Exception):
    """A signed HTTP API request that must be refused; carries Pusher's status code."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def verify_request(
    key: str,
    secret: str,
    method: str,
    path: str,
    params: Mapping[str, str],
    body: bytes,
    now: float,
) -> None:
    """Raise RequestRejected (401) unless the request is signed as Pusher requires."""
    for required in ("auth_key", "auth_timestamp", "auth_version", "auth_signature"):
        if required not in params:
            raise RequestRejected(401, f"Missing {required}")
    if params["auth_key"] != key:
        raise RequestRejected(401, "Unknown auth_key")
    if params["auth_version"] != AUTH_VERSION:
        raise RequestRejected(401, f"Unsupported auth_version {params['auth_version']!r}")
    try:
        timestamp = int(params["auth_timestamp"])
    except ValueError:
        raise RequestRejected(401, "auth_timestamp is not an integer") from None
    if abs(now - timestamp) > TIMESTAMP_GRACE_S:
        raise RequestRejected(401, f"Timestamp expired: given {timestamp}, now {int(now)} (grace {TIMESTAMP_GRACE_S}s)")
    if body and params.get("body_md5") != body_md5(body):
        raise RequestRejected(401, "body_md5 does not match the body")
    expected = sign_request(secret, method, path, params)
    if not hmac.compare_digest(expected, params["auth_signature"]):
        raise RequestRejected(
            401,
            f"Invalid signature: you should have sent "
            f"HmacSHA256Hex({string_to_sign(method, path, params)!r}, your_secret)",
        )
