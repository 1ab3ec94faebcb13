"""The contract's own-response race: a divergence the backend did not cause.

Two users write one line. The other user's later change reaches this page by event; then this
page's own, older HTTP response lands and, as the contract's code says ("your update comes from
HTTP"), replaces the line. The page is stale until the line changes again, although the server
and Pusher did everything right: the event carried the server's final line. The views check
(`views.py`) reports such a line as a warning naming the write and both times; a stale line this
does not explain (no event heard, or one that did not carry the final line) stays an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..record.history import Operation
from .findings import diff, missing_fields


@dataclass(frozen=True)
class Race:
    operation: int  # the page's own write whose answer landed last
    answered: float
    event_at: float  # when the other user's newer line reached the page


def explained(
    own: list[Operation], since: float, line_id: Any, event: tuple[float, Any] | None, final: Any
) -> Race | None:
    """The race, if it explains the page's stale `line_id`: its last own write of the line after `since`
    (its snapshot) was answered after `event`, the last line event of it the page received, and that
    event carried exactly the server's `final` line."""
    writes = [
        op
        for op in own
        if op.ok and op.complete is not None and op.complete > since and op.request.get("line_id") == line_id
    ]
    if not writes or event is None or not isinstance(final, dict):
        return None
    last = max(writes, key=lambda op: op.complete or 0.0)
    answered, (event_at, data) = last.complete or 0.0, event
    carried = data.get("line") if isinstance(data, dict) else None
    if not since < event_at < answered or not isinstance(carried, dict):
        return None
    if diff(final, carried) or missing_fields(final, carried):
        return None
    return Race(last.id, answered, event_at)


def message(page: str, races: list[Race]) -> str:
    ops = ", ".join(str(race.operation) for race in sorted(races, key=lambda race: race.operation))
    return (
        f"{page} is stale on {len(races)} line(s) by the contract's own-response race: its own write "
        f"(operation {ops}) was answered after another user's later change of the line had reached the page "
        "by event, and the contract's code replaced that newer line with the older response. The server and "
        "Pusher agree (the event carried the final line); the frontend pattern does not."
    )
