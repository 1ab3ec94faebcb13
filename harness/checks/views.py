"""divergence: rebuild each listener's view the way the contract's React code does and
compare it with a fresh GET taken after quiescence.

A view starts from the listener's latest snapshot (its GET of the lines), takes its own
writes from their HTTP responses (the contract's "your update comes from HTTP"), and
replaces a line with `data.line` for every line event it receives. A line the listener's
own page wrote without ever hearing the answer (the request was cut off, e.g. when a load
run stops) cannot be judged: the write may or may not have happened, and the page got no
response to apply. Such lines are left out of its comparison.

One divergence is the contract's own race, not the backend's (`own_response_race.py`): a
warning, apart from the page's other differing lines. Lines a defect already found explains (a
stale payload, a lost event, a write stored despite its 5xx) are that defect's consequence
(`consequences.py`): an error of their own, carrying its cause.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..record.history import HistoryData, Observation, Operation
from ..spec.contract import LINE_EVENTS, Contract
from .consequences import WHAT_HAPPENED, Cause, Causes, by_cause
from .findings import Finding, diff, missing_fields
from .model import Payload
from .own_response_race import Race, explained, message
from .page_model import FrontendView

MAX_LINES_SHOWN = 5
LatestLines = dict[str, dict[tuple[str, Any], tuple[float, Any]]]
"""listener -> (channel, line id) -> (time, payload) of the latest line event it received."""


@dataclass
class Operations:
    """What the pages' check looks up in the operations: each socket's writes (a page's own) and each
    write's line (`Causes`). The same for every share of a check judged a share of the listeners at a
    time (`columnar.shares`), so indexed once for them all."""

    by_socket: dict[str | None, list[Operation]]
    line_of: dict[int, Any]

    @classmethod
    def of(cls, operations: Iterable[Operation]) -> Operations:
        by_socket: dict[str | None, list[Operation]] = {}
        line_of: dict[int, Any] = {}
        for op in operations:
            by_socket.setdefault(op.socket_id, []).append(op)
            line_of[op.id] = op.request.get("line_id")
        return cls(by_socket, line_of)


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
    def index(cls, history: HistoryData, latest: LatestLines, by_socket: dict[str | None, list[Operation]]) -> _Pages:
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
        return cls(truths, snapshots, latest, sockets, by_socket)

    def own_ops(self, listener: str) -> list[Operation]:
        ops = (op for socket_id in self.sockets.get(listener, set()) for op in self.ops_by_socket.get(socket_id, []))
        return sorted(ops, key=lambda op: op.id)

    def latest_event(self, listener: str, channel: str | None, line_id: Any) -> tuple[float, Any] | None:
        """The last line event of `line_id` this listener received on `channel` (any, if unknown)."""
        seen = [
            hit
            for (on, line), hit in self.latest.get(listener, {}).items()
            if line == line_id and channel in (None, on)
        ]
        return max(seen, key=lambda hit: hit[0], default=None)

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


def fold_line_event(latest: LatestLines, listener: str, channel: str, t: float, payload: Payload) -> None:
    """Keep a line event (`payload`, received by `listener` on `channel` at `t`) only if it is the
    latest of its line on its channel: a page ends with each line's last update
    (`FrontendView.apply_latest`), so the earlier ones need not be kept."""
    if payload.logical in LINE_EVENTS:
        lines = latest.setdefault(listener, {})
        key = (channel, payload.line_id)
        seen = lines.get(key)
        if seen is None or t >= seen[0]:
            lines[key] = (t, payload.data)


def check_views(
    history: HistoryData,
    contract: Contract,
    latest: LatestLines,
    judged: Counter[str],
    found: Iterable[Finding] = (),
    indexed: Operations | None = None,
) -> Iterator[Finding]:
    """Judged: every page (a listener's snapshot of a stocktake) that has a truth to compare with, once,
    and once more for each further cause its differing lines have (each cause is a finding of its own).
    `history` needs no receipts: `latest` holds what they left on each page. `found`: the listeners'
    findings, which may explain a page's lines (`consequences.py`). `indexed`: `history`'s operations,
    if already indexed."""
    operations = indexed or Operations.of(history.operations)
    pages = _Pages.index(history, latest, operations.by_socket)
    causes = Causes(found, operations.line_of)
    for (listener, sid), snap in pages.snapshots.items():
        hotel = snap.data.get("hotel")
        truth = pages.truths.get((hotel, sid)) or pages.truths.get((None, sid))
        if truth is None or truth.data.get("unread"):  # nothing to compare with: not judged (`verdict`)
            continue
        channel = contract.channel("detail", hotel, sid) if hotel else None
        own = pages.own_ops(listener)
        view = FrontendView(snap.data["lines"])
        view.apply_latest(pages.updates(listener, snap, channel, own))
        differing = _differing(view.lines, truth.data["lines"], _unanswered_lines(own))
        finals = {line["id"]: line for line in truth.data["lines"]}
        races: dict[Any, Race] = {}
        caused: dict[Any, Cause] = {}
        for line_id in differing:
            final = finals[line_id]
            race = explained(own, snap.time, line_id, pages.latest_event(listener, channel, line_id), final)
            cause = causes.of(listener, line_id, own, final, view.lines.get(line_id)) if race is None else None
            if race is not None:
                races[line_id] = race
            elif cause is not None:
                caused[line_id] = cause
        page = f"{listener}'s view of stocktake {sid}"
        findings = list(_page_findings(page, listener, channel, differing, races, caused, truth.time))
        judged["divergence"] += max(1, len(findings))
        yield from findings


def _page_findings(
    page: str,
    listener: str,
    channel: str | None,
    differing: dict[Any, list[str]],
    races: dict[Any, Race],
    caused: dict[Any, Cause],
    at: float,
) -> Iterator[Finding]:
    """An error for the lines nothing explains; an error under its cause for those a defect already
    found explains; a warning for those the race explains."""
    unexplained = {line_id: problems for line_id, problems in differing.items() if line_id not in {**races, **caused}}
    if unexplained:
        yield _divergence(
            f"{page} differs from a fresh GET on {len(unexplained)} line(s)",
            listener,
            channel,
            unexplained,
            {"checked": at},
        )
    for name, (cause, lines) in by_cause(caused).items():
        yield _divergence(
            f"{page} differs from a fresh GET on {len(lines)} line(s): it {WHAT_HAPPENED[name]} ({cause})",
            listener,
            channel,
            {line_id: differing[line_id] for line_id in lines},
            {"checked": at},
            cause=cause,
        )
    if races:
        first = min(races.values(), key=lambda race: race.operation)
        yield _divergence(
            message(page, list(races.values())),
            listener,
            channel,
            {line_id: differing[line_id] for line_id in races},
            {"checked": at, "event": first.event_at, "answered": first.answered},
            operation=first.operation,
            warning=True,
        )


def _differing(
    view: dict[Any, dict[str, Any]], truth_lines: list[dict[str, Any]], unknown: set[Any]
) -> dict[Any, list[str]]:
    """line id -> what differs, for every line the page shows otherwise than the server."""
    out: dict[Any, list[str]] = {}
    for line in truth_lines:
        seen = view.get(line["id"])
        if seen is None or line["id"] in unknown:
            continue
        problems = [f"line {line['id']} {d}" for d in diff(line, seen)]
        problems += [f"line {line['id']} lost {f!r}" for f in missing_fields(line, seen)]
        if problems:
            out[line["id"]] = problems
    return out


def _shown(problems: dict[Any, list[str]]) -> list[str]:
    return [p for line_problems in list(problems.values())[:MAX_LINES_SHOWN] for p in line_problems]


def _divergence(
    message: str,
    listener: str,
    channel: str | None,
    problems: dict[Any, list[str]],
    times: dict[str, float],
    **more: Any,
) -> Finding:
    return Finding(
        "divergence",
        message,
        channel=channel,
        listener=listener,
        expected="the GET after quiescence",
        actual=f"{len(problems)} line(s) differ",
        diff=_shown(problems),
        times=times,
        **more,
    )
