"""What the Pusher server itself refused, from its own log (the embedded server, or a `stocksync serve`
a staging backend uses as its Pusher server): the backend's triggers that never became events.

- oversize-payload: a trigger refused with 413, with its event, channel and size.
- trigger-refused: a trigger refused for anything else (a bad signature, too many channels, a bad
  request). The events it carried are missing too; this says why, in the server's words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..record.history import HistoryData, Observation
from .findings import Finding
from .sizes import MAX_EVENT_BYTES

REFUSALS = {
    "bad-signature": "its signature was refused (is the backend's PUSHER_SECRET the server's?)",
    "too-many-channels": "it named more channels than Pusher allows in one trigger (100)",
}


def check_rejections(history: HistoryData, judged: Counter[str]) -> Iterator[Finding]:
    """Every refused trigger the server logged, one finding each; `judged` counts what was held."""
    log = history.meta.get("server_log") or {}
    rejections = list(history.of_kind("trigger-rejected"))
    if log.get("read") or rejections:
        judged["oversize-payload"] += len(rejections) or 1
        judged["trigger-refused"] += len(rejections) or 1
    for obs in rejections:
        info = obs.data if isinstance(obs.data, dict) else {}
        yield _oversize(obs, info) if info.get("status") == 413 else _refused(obs, info)


def _oversize(obs: Observation, info: dict[str, Any]) -> Finding:
    size = info.get("bytes")
    at = f" at {size / 1024:.1f} KB" if isinstance(size, int) else ""
    return Finding(
        "oversize-payload",
        f"the backend triggered {obs.event} on {obs.channel}{at}; Pusher refuses events over "
        f"{MAX_EVENT_BYTES // 1024} KB (the Pusher server's log: {info.get('message', '413')})",
        obs.channel,
        obs.event,
        expected=f"<= {MAX_EVENT_BYTES} bytes",
        actual=f"{size} bytes",
        times={"at": obs.time},
    )


def _refused(obs: Observation, info: dict[str, Any]) -> Finding:
    kind = str(info.get("kind") or "bad-request")
    channels = info.get("channel_count")
    on = f"{channels} channels" if isinstance(channels, int) and channels > 1 else str(obs.channel)
    why = REFUSALS.get(kind, "the server refused it as a bad request")
    return Finding(
        "trigger-refused",
        f"the backend triggered {obs.event} on {on} and the Pusher server answered {info.get('status')}: {why} "
        f"({info.get('message')})",
        obs.channel,
        obs.event,
        expected="a trigger Pusher accepts",
        actual={k: info.get(k) for k in ("status", "kind", "message", "channel_count")},
        times={"at": obs.time},
    )
