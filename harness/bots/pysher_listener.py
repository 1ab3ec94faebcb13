"""A listener on pysher, configured the way pysher needs: subscribe inside the
connection_established callback (an ack can be lost otherwise), decode nothing ourselves
but the data string, and keep pysher's chatty loggers quiet.

pysher has no catch-all binding, so the connection's channel-frame handler is wrapped:
every channel frame, whatever its event name, reaches the recorder. That is how an
event renamed to `line_counted_updated` is seen at all.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pysher

from ..errors import AuthRefused
from ..spec.channel_kinds import needs_auth
from .endpoint import PusherEndpoint
from .recorder import ListenerRecorder

RECONNECT_AFTER_S = 0.5

for _name in ("pysher.connection", "websocket"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


class PysherListener:
    kind = "pysher"

    def __init__(self, endpoint: PusherEndpoint, recorder: ListenerRecorder) -> None:
        self.endpoint = endpoint
        self.recorder = recorder
        self.client: pysher.Pusher | None = None

    @property
    def name(self) -> str:
        return self.recorder.name

    def start(self) -> None:
        ep = self.endpoint
        options: dict[str, Any] = {
            "secure": ep.secure,
            "auto_sub": True,
            "reconnect_interval": 0.5,
            "log_level": logging.CRITICAL,
        }
        if ep.cluster:
            options["cluster"] = ep.cluster
        else:
            options.update(custom_host=ep.host, port=ep.port)
        client = self.client = pysher.Pusher(ep.key, **options)
        connection = client.connection
        original_close = connection._on_close

        def on_close(*args: Any) -> None:
            self.recorder.disconnected(args[1] if len(args) > 1 and isinstance(args[1], int) else None)
            original_close(*args)

        connection._on_close = on_close
        connection.event_handler = self._on_channel_frame
        connection.bind("pusher:connection_established", self._on_connected)
        connection.bind("pusher:error", self._on_error)
        client.connect()

    def _on_connected(self, data: str) -> None:
        assert self.client is not None
        self.recorder.connected(json.loads(data)["socket_id"])
        for channel in self.recorder.channels:
            try:
                auth = (
                    self.endpoint.authorise(self.recorder.socket_id or "", channel)["auth"]
                    if needs_auth(channel)
                    else None
                )
            except AuthRefused as exc:
                self.recorder.subscription_failed(channel, str(exc))
                continue
            self.client.subscribe(channel, auth=auth)

    def _on_error(self, data: Any) -> None:
        message = data.get("message") if isinstance(data, dict) else str(data)
        self.recorder.subscription_failed(None, f"pusher:error {message}")

    def _on_channel_frame(self, event: str, data: Any, channel: str) -> None:
        if event == "pusher_internal:subscription_succeeded":
            self.recorder.subscription_succeeded(channel)
            if self.recorder.on_subscribed is not None:
                self.recorder.on_subscribed(self.recorder, channel)
        elif not event.startswith(("pusher:", "pusher_internal:")):
            self.recorder.receipt(channel, event, data)

    def drop(self) -> None:
        """Lose the connection as a flaky network would, and come back on a new one after a
        moment (pysher's own reconnect is racy when the socket is closed from outside)."""
        self.recorder.planned_drop = True
        self._close()
        timer = threading.Timer(RECONNECT_AFTER_S, self.start)
        timer.daemon = True
        timer.start()

    def _close(self) -> None:
        if self.client is not None:
            self.client.connection.needs_reconnect = False
            self.client.disconnect(timeout=0.5)
            self.recorder.disconnected(None)

    def stop(self) -> None:
        self._close()
