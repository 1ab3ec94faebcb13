"""Pusher Channels protocol rules as pure functions: names, limits, frames, trigger bodies.

Everything a client or the HTTP API can send is validated here without I/O, so the
server's handlers stay thin and the hypothesis tests can throw garbage at these
functions directly as well as over the wire.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .signing import RequestRejected

SUPPORTED_PROTOCOLS = range(5, 8)
MAX_DATA_BYTES = 10_240
MAX_CHANNELS_PER_TRIGGER = 100
MAX_BATCH_EVENTS = 10
MAX_CHANNEL_NAME = 164
MAX_EVENT_NAME = 200
CLIENT_EVENTS_PER_SECOND = 10
MAX_USER_ID = 128
MAX_USER_INFO_BYTES = 1_024
MAX_PRESENCE_MEMBERS = 100

CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_\-=@,.;]+$")
SOCKET_ID = re.compile(r"^\d+\.\d+$")

# Close codes, as Pusher documents them.
APP_NOT_FOUND = 4001
INVALID_VERSION = 4006
UNSUPPORTED_PROTOCOL = 4007
NO_PROTOCOL = 4008
OVER_CAPACITY = 4100
RECONNECT_NOW = 4200
PONG_NOT_RECEIVED = 4201
CLIENT_EVENT_RATE_LIMIT = 4301
# A refused subscription's status, as soketi (a Pusher-compatible server) sends it.
PRESENCE_FULL = 4100
MEMBER_TOO_LARGE = 4301


class SubscriptionRefused(Exception):
    """A subscription the server will not take (a presence limit): answered with
    `pusher:subscription_error` on that channel, as Pusher-compatible servers do; the connection
    and its other channels live on."""

    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


class ProtocolError(Exception):
    """A client frame we answer with pusher:error; the connection stays open."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ClientFrame:
    event: str
    data: Any
    channel: str | None


@dataclass(frozen=True)
class Publish:
    """One event to fan out: the unit both /events and /batch_events reduce to."""

    name: str
    data: str
    channels: tuple[str, ...]
    socket_id: str | None


def encode(event: str, data: Any, channel: str | None = None) -> str:
    frame: dict[str, Any] = {"event": event, "data": data}
    if channel is not None:
        frame["channel"] = channel
    return json.dumps(frame, separators=(",", ":"))


def error_frame(message: str, code: int | None) -> str:
    return encode("pusher:error", {"message": message, "code": code})


def connection_established(socket_id: str, activity_timeout: int) -> str:
    return encode(
        "pusher:connection_established",
        json.dumps({"socket_id": socket_id, "activity_timeout": activity_timeout}),
    )


def check_protocol(raw: str | None) -> int:
    """The protocol version from the query string; raises ProtocolError with a close code."""
    if raw is None or raw == "":
        raise ProtocolError("No protocol version supplied", NO_PROTOCOL)
    try:
        version = int(raw)
    except ValueError:
        raise ProtocolError(f"Invalid protocol version {raw!r}", UNSUPPORTED_PROTOCOL) from None
    if version not in SUPPORTED_PROTOCOLS:
        raise ProtocolError(f"Unsupported protocol version {version}", UNSUPPORTED_PROTOCOL)
    return version


def channel_name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return "channel name must be a non-empty string"
    if len(name) > MAX_CHANNEL_NAME:
        return f"channel name longer than {MAX_CHANNEL_NAME} characters"
    if not CHANNEL_NAME.match(name):
        return f"invalid channel name {name!r}"
    return None


def parse_client_frame(text: str) -> ClientFrame:
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("Frame is not valid JSON") from None
    if not isinstance(frame, dict):
        raise ProtocolError("Frame must be a JSON object")
    event = frame.get("event")
    if not isinstance(event, str) or not event:
        raise ProtocolError("Frame has no event name")
    channel = frame.get("channel")
    if channel is not None and not isinstance(channel, str):
        raise ProtocolError("channel must be a string")
    data = frame.get("data")
    if isinstance(data, str) and event.startswith("pusher:") and data.startswith("{"):
        try:
            data = json.loads(data)
        except ValueError:
            raise ProtocolError(f"{event} data is not valid JSON") from None
    return ClientFrame(event=event, data=data, channel=channel)


def subscription_error(channel: str, refused: SubscriptionRefused) -> str:
    data = {"type": refused.kind, "error": refused.message, "status": refused.status}
    return encode("pusher:subscription_error", json.dumps(data), channel)


def presence_member(channel_data: str | None) -> tuple[str, Any]:
    """(user_id, user_info) of a presence subscription, held to Pusher's limits: a member's
    user_info is what every other member is sent, so its size bounds the server's memory."""
    if channel_data is None:
        raise ProtocolError("presence channels need channel_data with a user_id")
    try:
        parsed = json.loads(channel_data)
    except (ValueError, RecursionError):
        raise ProtocolError("channel_data is not valid JSON") from None
    if not isinstance(parsed, dict) or parsed.get("user_id") in (None, ""):
        raise ProtocolError("channel_data must carry a user_id")
    user_id = str(parsed["user_id"])
    if len(user_id) > MAX_USER_ID:
        raise SubscriptionRefused("LimitReached", f"user_id is longer than {MAX_USER_ID} characters", MEMBER_TOO_LARGE)
    user_info = parsed.get("user_info")
    if len(json.dumps(user_info, separators=(",", ":")).encode()) > MAX_USER_INFO_BYTES:
        raise SubscriptionRefused("LimitReached", f"user_info is over {MAX_USER_INFO_BYTES} bytes", MEMBER_TOO_LARGE)
    return user_id, user_info


def subscription_request(data: Any) -> tuple[str, str | None, str | None]:
    """(channel, auth, channel_data) from a pusher:subscribe frame's data."""
    if not isinstance(data, dict):
        raise ProtocolError("pusher:subscribe data must be an object")
    channel = data.get("channel")
    problem = channel_name_problem(channel)
    if problem:
        raise ProtocolError(problem)
    auth = data.get("auth")
    channel_data = data.get("channel_data")
    if auth is not None and not isinstance(auth, str):
        raise ProtocolError("auth must be a string")
    if channel_data is not None and not isinstance(channel_data, str):
        raise ProtocolError("channel_data must be a JSON string")
    assert isinstance(channel, str)  # channel_name_problem refused everything else
    return channel, auth, channel_data


def _event_name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise RequestRejected(400, "name must be a non-empty string")
    if len(value) > MAX_EVENT_NAME:
        raise RequestRejected(400, f"event name longer than {MAX_EVENT_NAME} characters")
    return value


def _data(value: Any) -> str:
    if not isinstance(value, str):
        raise RequestRejected(400, "data must be a string (JSON-encode objects before sending)")
    if len(value.encode()) > MAX_DATA_BYTES:
        raise RequestRejected(413, f"Payload Too Large: event data is over {MAX_DATA_BYTES} bytes")
    return value


def _socket_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not SOCKET_ID.match(value):
        raise RequestRejected(400, f"Invalid socket_id {value!r}")
    return value


def _channels(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not values:
        raise RequestRejected(400, "channels must be a non-empty list")
    if len(values) > MAX_CHANNELS_PER_TRIGGER:
        raise RequestRejected(400, f"Too many channels: at most {MAX_CHANNELS_PER_TRIGGER} per event")
    for name in values:
        problem = channel_name_problem(name)
        if problem:
            raise RequestRejected(400, problem)
    return tuple(values)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        raise RequestRejected(400, "Body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise RequestRejected(400, "Body must be a JSON object")
    return parsed


def parse_trigger(body: bytes) -> Publish:
    event = _json_object(body)
    channels = event.get("channels")
    if channels is None and "channel" in event:
        channels = [event["channel"]]
    return Publish(
        name=_event_name(event.get("name")),
        data=_data(event.get("data")),
        channels=_channels(channels),
        socket_id=_socket_id(event.get("socket_id")),
    )


def parse_batch(body: bytes) -> list[Publish]:
    batch = _json_object(body).get("batch")
    if not isinstance(batch, list) or not batch:
        raise RequestRejected(400, "batch must be a non-empty list")
    if len(batch) > MAX_BATCH_EVENTS:
        raise RequestRejected(400, f"Batch too large: at most {MAX_BATCH_EVENTS} events")
    publishes = []
    for item in batch:
        if not isinstance(item, dict):
            raise RequestRejected(400, "each batch entry must be an object")
        publishes.append(
            Publish(
                name=_event_name(item.get("name")),
                data=_data(item.get("data")),
                channels=_channels([item.get("channel")]),
                socket_id=_socket_id(item.get("socket_id")),
            )
        )
    return publishes
