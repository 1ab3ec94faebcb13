"""What both listener kinds share: turning protocol happenings into history observations.

The recorder also keeps the connection's live state (socket id, subscribed channels) so
that counters can send their browser's socket_id and the runner can wait for readiness.
`on_subscribed` lets a frontend model refetch its lines after every (re)subscription;
each listener kind calls it where it does not block the connection. `on_change` is told the
listener's name whenever its live state changes, so a listener worker reports only those
(walking thousands of recorders ten times a second took half its CPU from the deliveries).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..record.history import FAILURE, History, Observation

SubscribedHook = Callable[["ListenerRecorder", str], None]
ChangeHook = Callable[[str], object]
FRAME_KEPT = 200


class ListenerRecorder:
    def __init__(
        self,
        name: str,
        channels: list[str],
        history: History,
        on_subscribed: SubscribedHook | None = None,
        on_change: ChangeHook | None = None,
    ) -> None:
        self.name = name
        self.channels = list(channels)
        self.history = history
        self.on_subscribed = on_subscribed
        self.on_change = on_change
        self.socket_id: str | None = None
        self.subscribed: set[str] = set()
        self.receipts = 0
        self.connects = 0
        self.planned_drop = False
        self.last_error: str | None = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self.socket_id is not None and self.subscribed >= set(self.channels)

    def connected(self, socket_id: str) -> None:
        with self._lock:
            self.socket_id = socket_id
            self.subscribed = set()
            self.connects += 1
        self._changed()
        self.history.observe("connect", listener=self.name, socket_id=socket_id)

    def disconnected(self, code: int | None = None) -> None:
        """`planned` marks a drop the scenario caused, so its gaps are warnings, not errors."""
        with self._lock:
            if self.socket_id is None:
                return
            socket_id, self.socket_id, self.subscribed = self.socket_id, None, set()
            planned, self.planned_drop = self.planned_drop, False
        self._changed()
        self.history.observe(
            "disconnect", listener=self.name, socket_id=socket_id, data={"code": code, "planned": planned}
        )

    def subscription_succeeded(self, channel: str) -> None:
        with self._lock:
            self.subscribed.add(channel)
        self._changed()
        self.history.observe("subscribed", listener=self.name, socket_id=self.socket_id, channel=channel)

    def subscription_failed(self, channel: str | None, message: str) -> None:
        self.last_error = message
        self._changed()
        self.history.observe(
            "subscription-error",
            listener=self.name,
            socket_id=self.socket_id,
            channel=channel,
            data={"message": message},
        )

    def frame_error(self, frame: str, error: Exception) -> None:
        """A frame from the server that is not the protocol's (not JSON, not an object): kept as
        evidence, its first FRAME_KEPT characters; an event lost with it is a missing event."""
        self.history.observe(
            "frame-error",
            listener=self.name,
            socket_id=self.socket_id,
            data={"frame": frame[:FRAME_KEPT], "error": f"{type(error).__name__}: {error}"},
        )

    def died(self, what: str, detail: str) -> None:
        """The harness lost this listener (its page crashed): its own failure, recorded now. The listener
        is owed nothing from here on (`checks.stream`) and the run cannot pass (`checks.verdict`)."""
        data = {"what": what, "detail": detail}
        self.history.observe(FAILURE, listener=self.name, socket_id=self.socket_id, data=data)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.name)

    def receipt(self, channel: str, event: str, data: object) -> None:
        self.receipts += 1
        self.history.append(Observation("receipt", History.now(), self.name, self.socket_id, channel, event, data))
