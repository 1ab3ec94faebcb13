"""What a run records between the end of play and the check: quiescence, then the servers' logs.

Kept apart from the runner because each step reads the outside world once play is over (the
listeners' counts, the Pusher server's and the backend's logs) and writes only to the history;
the runner decides when they happen.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..bots.fleet import ListenerFleet
from ..record.history import History

QUIET_S = 0.5


def drain(history: History, fleet: ListenerFleet, latency_s: float, hurry: threading.Event) -> None:
    """Wait for quiescence: every write's window open to its end (the latency limit after the last
    write was answered), then no receipt for QUIET_S, bounded by a second QUIET_S. The run's quiescence
    ends every window still open (`quiesced_at`): a run that stopped listening sooner, on a quiet spell
    before a slow backend's last events, would blame it for events it sent within the limit. `hurry` (a
    second interrupt) cuts the wait short."""
    started = history.now()
    seen, quiet_since = fleet.receipts(), started
    while not hurry.is_set():
        last_write = history.tally.last if history.tally.invoked else started  # one still in flight may end
        windows_end = last_write + latency_s
        if history.now() >= windows_end + 2 * QUIET_S:
            return
        time.sleep(0.05)
        now_seen = fleet.receipts()
        if now_seen != seen:
            seen, quiet_since = now_seen, history.now()
        elif history.now() - quiet_since >= QUIET_S and history.now() >= windows_end:
            return


def record_server_logs(history: History, logs: dict[str, Any]) -> None:
    """The faults the servers injected and the triggers Pusher refused, as observations the checks read;
    whether the logs could be read at all, and how many entries they dropped, in the history's meta."""
    history.set_meta(
        server_log={"read": logs["read"], "why": logs.get("why"), "backend_unread": logs.get("backend_unread")}
    )
    for fault in logs["faults"]:
        history.observe(
            "injected-fault",
            socket_id=fault.get("socket_id"),
            channel=fault.get("channel"),
            event=fault.get("event"),
            data={k: fault.get(k) for k in ("kind", "layer", "operation") if fault.get(k) is not None},
        )
    for rejected in logs["rejections"]:
        for channel in rejected.get("channels") or [None]:
            history.observe("trigger-rejected", channel=channel, event=rejected.get("event"), data=rejected)
    dropped = {k: logs.get(f"{k}_dropped", 0) for k in ("faults", "rejections")}
    if any(dropped.values()):
        history.set_meta(server_log_dropped=dropped)
