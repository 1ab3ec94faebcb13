"""How the contract's React code keeps its lines: the model listeners and the checker share.

`setLines(prev => prev.map(line => line.id === data.line_id ? data.line : line))`: a
line event *replaces* the line with `data.line`; the user's own writes come from the
HTTP response. A partial `data.line` therefore loses fields, which is exactly what the
divergence check must see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Line = dict[str, Any]
NO_LINE = object()


class FrontendView:
    def __init__(self, lines: list[Line] | None = None) -> None:
        self.lines: dict[Any, Line] = {}
        if lines is not None:
            self.load(lines)

    def load(self, lines: list[Line]) -> None:
        """A (re)fetch of the stocktake's lines: the view starts over from the server."""
        self.lines = {line["id"]: line for line in lines if isinstance(line, dict) and "id" in line}

    def replace(self, line: Any) -> None:
        if isinstance(line, dict) and line.get("id") in self.lines:
            self.lines[line["id"]] = line

    def apply_latest(self, updates: Iterable[tuple[float, Any]]) -> None:
        """Line-counted-updated / line-movement-added payloads (and the user's own HTTP responses in
        that shape), as the contract binds them, at their times. Each line ends as its last update
        (ties: the later given): an event replaces the whole line, so the earlier ones would only be
        overwritten, and a checker replaying a million receipts skips the sort and the rewrites."""
        latest: dict[Any, tuple[float, Any]] = {}
        for at, data in updates:
            line_id = self._target(data)
            if line_id is not NO_LINE:
                seen = latest.get(line_id)
                if seen is None or at >= seen[0]:
                    latest[line_id] = (at, data)
        for line_id, (_, data) in latest.items():
            self.lines[line_id] = data["line"]

    def _target(self, data: Any) -> Any:
        """The id of the line of ours that a payload replaces, or NO_LINE."""
        if isinstance(data, dict):
            line = data.get("line")
            if isinstance(line, dict):
                line_id = data.get("line_id", line.get("id"))
                if not isinstance(line_id, (list, dict)) and line_id in self.lines:  # a list is no line's id
                    return line_id
        return NO_LINE
