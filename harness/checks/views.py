"""divergence: rebuild each listener's view the way the contract's React code does and
compare it with a fresh GET taken after quiescence.

A view starts from the listener's latest snapshot (its GET of the lines), takes its own
writes from their HTTP responses (the contract's "your update comes from HTTP"), and
replaces a line with `data.line` for every line event it receives. A line the listener's
own page wrote without ever hearing the answer (the request was cut off, e.g. when a load
run stops) cannot be judged: the write may or may not have happened, and the page got no
response to apply. Such lines are left out of its comparison.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..contract import LINE_EVENTS, Contract
from ..history import HistoryData, Observation, Operation
from .findings import Finding, diff, missing_fields
from .model import Receipt
from .page_model import FrontendView

MAX_LINES_SHOWN = 5
LatestLines = dict[str, dict[tuple[str, Any], tuple[float, Any]]]
"""listener -> (channel, line id) -> (time, payload) of the latest line event it received."""


def _by_socket(history: HistoryData) -> dict[str | None, list[Operation]]:
    ops: dict[str | None, list[Operation]] = {}
    for op in history.operations:
        ops.setdefault(op.socket_id, []).append(op)
    return ops


def _own_updates(ops: list[Operation]) -> list[tuple[float, Any]]:
    """The listener's own writes, as event-shaped payloads taken from their HTTP responses."""
    out: list[tuple[float, Any]] = []
    for op in ops:
        if op.ok and op.complete is not None and isinstance(op.body, dict):
            if op.kind == "add_movement":
                out.append((op.complete, op.body))
            elif op.kind == "patch_line":
                out.append((op.complete, {"line": op.body}))
    return out


def _unanswered_lines(ops: list[Operation]) -> set[Any]:
    """Lines of the listener's own writes that never got an HTTP answer (indeterminate)."""
    return {op.request.get("line_id") for op in ops if op.status is None and op.kind in ("patch_line", "add_movement")}


@dataclass
class _Pages:
    """What rebuilding the pages needs, indexed once: the truths, every page's latest snapshot,
    its receipts, and its own writes (by the sockets it held)."""

    truths: dict[tuple[Any, int], Observation]
    snapshots: dict[tuple[str, int], Observation]
    latest: LatestLines
    sockets: dict[str, set[str]]
    ops_by_socket: dict[str | None, list[Operation]]

    @classmethod
    def index(cls, history: HistoryData, latest: LatestLines) -> _Pages:
        truths = {
            (o.data.get("hotel"), o.data["stocktake_id"]): o
            for o in history.of_kind("truth")
            if isinstance(o.data, dict)
        }
        snapshots = {
            (o.listener or "?", o.data["stocktake_id"]): o
            for o in history.of_kind("snapshot")
            if isinstance(o.data, dict)
        }
        sockets: dict[str, set[str]] = {}
        for obs in history.of_kind("connect"):
            sockets.setdefault(obs.listener or "?", set()).add(obs.socket_id or "")
        return cls(truths, snapshots, latest, sockets, _by_socket(history) if snapshots else {})

    def own_ops(self, listener: str) -> list[Operation]:
        ops = (op for socket_id in self.sockets.get(listener, set()) for op in self.ops_by_socket.get(socket_id, []))
        return sorted(ops, key=lambda op: op.id)

    def updates(self, listener: str, snap: Observation, channel: str | None, own: list[Operation]) -> list[Any]:
        """The page's own writes (from their HTTP responses) and the line events it received, after its
        snapshot, at their times."""
        updates = [(t, line) for t, line in _own_updates(own) if t > snap.time]
        updates += [
            (at, data)
            for (on, _), (at, data) in self.latest.get(listener, {}).items()
            if at > snap.time and channel in (None, on)
        ]
        return updates


def fold_line_event(latest: LatestLines, r: Receipt) -> None:
    """Keep a line event only if it is the latest of its line on its channel: a page ends with each
    line's last update (`FrontendView.apply_latest`), so the earlier ones need not be kept."""
    if r.payload.logical in LINE_EVENTS:
        lines = latest.setdefault(r.listener, {})
        key = (r.channel, r.payload.line_id)
        seen = lines.get(key)
        if seen is None or r.time >= seen[0]:
            lines[key] = (r.time, r.payload.data)


def check_views(
    history: HistoryData, contract: Contract, latest: LatestLines, judged: Counter[str]
) -> Iterator[Finding]:
    """Judged: every page (a listener's snapshot of a stocktake) that has a truth to compare with.
    `history` needs no receipts: `latest` holds what they left on each page."""
    pages = _Pages.index(history, latest)
    for (listener, sid), snap in pages.snapshots.items():
        hotel = snap.data.get("hotel")
        truth = pages.truths.get((hotel, sid)) or pages.truths.get((None, sid))
        if truth is None:
            continue
        judged["divergence"] += 1
        channel = contract.channel("detail", hotel, sid) if hotel else None
        own = pages.own_ops(listener)
        view = FrontendView(snap.data["lines"])
        view.apply_latest(pages.updates(listener, snap, channel, own))
        yield from _compare(listener, sid, channel, view.lines, truth.data["lines"], truth.time, _unanswered_lines(own))


def _compare(
    listener: str,
    sid: int,
    channel: str | None,
    view: dict[Any, dict[str, Any]],
    truth_lines: list[dict[str, Any]],
    at: float,
    unknown: set[Any],
) -> Iterator[Finding]:
    problems: list[str] = []
    differing = 0
    for line in truth_lines:
        seen = view.get(line["id"])
        if seen is None or line["id"] in unknown:
            continue
        line_problems = [f"line {line['id']} {d}" for d in diff(line, seen)]
        line_problems += [f"line {line['id']} lost {f!r}" for f in missing_fields(line, seen)]
        if line_problems:
            differing += 1
            if differing <= MAX_LINES_SHOWN:
                problems.extend(line_problems)
    if differing:
        yield Finding(
            "divergence",
            f"{listener}'s view of stocktake {sid} differs from a fresh GET on {differing} line(s)",
            channel=channel,
            listener=listener,
            expected="the GET after quiescence",
            actual=f"{differing} line(s) differ",
            diff=problems,
            times={"checked": at},
        )
