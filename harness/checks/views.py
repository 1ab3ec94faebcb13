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

from collections.abc import Iterator
from typing import Any

from ..contract import LINE_EVENTS, Contract
from ..history import HistoryData, Operation
from .findings import Finding, diff, missing_fields
from .model import Receipt
from .page_model import FrontendView

MAX_LINES_SHOWN = 5


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


def check_views(history: HistoryData, contract: Contract, receipts: list[Receipt]) -> Iterator[Finding]:
    truths = {
        (o.data.get("hotel"), o.data["stocktake_id"]): o for o in history.of_kind("truth") if isinstance(o.data, dict)
    }
    snapshots: dict[tuple[str, int], Any] = {}
    for obs in history.of_kind("snapshot"):
        if isinstance(obs.data, dict):
            snapshots[(obs.listener or "?", obs.data["stocktake_id"])] = obs
    by_listener: dict[str, list[Receipt]] = {}
    for r in receipts:
        by_listener.setdefault(r.listener, []).append(r)
    sockets: dict[str, set[str]] = {}
    for obs in history.of_kind("connect"):
        sockets.setdefault(obs.listener or "?", set()).add(obs.socket_id or "")
    ops_by_socket = _by_socket(history) if snapshots else {}
    for (listener, sid), snap in snapshots.items():
        truth = truths.get((snap.data.get("hotel"), sid)) or truths.get((None, sid))
        if truth is None:
            continue
        view = FrontendView(snap.data["lines"])
        channel = contract.channel("detail", snap.data.get("hotel", ""), sid) if snap.data.get("hotel") else None
        own_ops = sorted(
            (op for socket_id in sockets.get(listener, set()) for op in ops_by_socket.get(socket_id, [])),
            key=lambda op: op.id,
        )
        updates = [(t, line) for t, line in _own_updates(own_ops) if t > snap.time]
        updates += [
            (r.time, r.payload.data)
            for r in by_listener.get(listener, [])
            if r.time > snap.time and r.payload.logical in LINE_EVENTS and channel in (None, r.channel)
        ]
        view.apply_latest(updates)
        yield from _compare(
            listener, sid, channel, view.lines, truth.data["lines"], truth.time, _unanswered_lines(own_ops)
        )


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
