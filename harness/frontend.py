"""How the contract's React code keeps its lines: the model listeners and the checker share.

`setLines(prev => prev.map(line => line.id === data.line_id ? data.line : line))`: a
line event *replaces* the line with `data.line`; the user's own writes come from the
HTTP response. A partial `data.line` therefore loses fields, which is exactly what the
divergence check must see.
"""

from __future__ import annotations

from typing import Any

Line = dict[str, Any]


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

    def apply_event(self, data: Any) -> None:
        """A line-counted-updated or line-movement-added payload, as the contract binds it."""
        if isinstance(data, dict):
            line = data.get("line")
            if isinstance(line, dict) and data.get("line_id", line.get("id")) in self.lines:
                self.lines[data.get("line_id", line.get("id"))] = line
