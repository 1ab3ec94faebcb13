"""unjudged-fault: every fault the embedded run injected must be explained by a finding.

A fault that fired and that no check saw means the checker was blind to it: the run proves
nothing about that kind of defect, so it cannot pass (INCONCLUSIVE, never FAIL: the backend is
not shown at fault by a blindness of the harness). The servers' logs say what fired
(`injected-fault` observations); `fault_links` says which findings each one explains, the one
linking the report shows too. A fault whose every occurrence was benign where it struck (the
catalogue's `benign` says when, `BENIGN_WHEN` judges it from the record) is not held against the
run, nor is a legitimate shape the catalogue reproduces (a real backend's, not a defect). Pure:
history and findings in.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..record.history import HistoryData, Observation
from ..spec.contract import ROUTES, Contract
from ..spec.faults import BY_NAME, legitimate
from .fault_links import fault_index
from .findings import Finding
from .model import stocktake_of

NAME = "unjudged-fault"
LINE_WRITES = ("patch_line", "add_movement")


@dataclass
class Coverage:
    findings: list[Finding] = field(default_factory=list)
    judged: int = 0
    """Every fault occurrence on record, each held against the findings."""


def _no_newer_change_while_late(history: HistoryData, _contract: Contract, fired: list[Observation]) -> bool:
    """late-response: its late answer can undo only a change of its line made while it was late (the
    race own_response_race judges on the page as it ends). With none, the answer carries the line as it
    still is; with the writer's own later write of the line, that write's answer replaces the line on
    its page again: either way the page ends right."""
    bent = {_operation(obs) for obs in fired}
    writes = [op for op in history.operations if op.kind in LINE_WRITES]
    for op in writes:
        if op.id not in bent:
            continue
        line, answered = op.request.get("line_id"), op.complete if op.complete is not None else math.inf
        same_line = [o for o in writes if o.id != op.id and o.request.get("line_id") == line]
        raced = any(op.invoke < o.invoke < answered for o in same_line)
        if raced and not any(o.actor == op.actor and o.ok and o.invoke > answered for o in same_line):
            return False
    return True


def _names_the_contract_knows(history: HistoryData, contract: Contract, fired: list[Observation]) -> bool:
    """underscore-event-names: under a contract that spells the bent write's events with underscores (the
    names a backend really sends), they are the contract's own; and an event no listener had subscribed
    to hear (a run's stocktake is created before its pages open) reached nobody."""
    ops = {op.id: op for op in history.operations}
    subscribed = [(o.channel, o.time) for o in history.of_kind("subscribed")]
    for obs in fired:
        op = ops.get(_operation(obs) or -1)
        if op is None:
            return False
        routes = ROUTES.get(op.kind, ())
        if all(contract.logical(event.replace("-", "_")) == event for event, _ in routes):
            continue
        channels = {contract.channel(kind, op.hotel, stocktake_of(op)) for _, kind in routes}
        if any(channel in channels and at <= (op.complete or op.invoke) for channel, at in subscribed):
            return False
    return True


BENIGN_WHEN: dict[str, Callable[[HistoryData, Contract, list[Observation]], bool]] = {
    "late-response": _no_newer_change_while_late,
    "underscore-event-names": _names_the_contract_knows,
}


def _operation(obs: Observation) -> int | None:
    operation = obs.data.get("operation") if isinstance(obs.data, dict) else None
    return int(str(operation)) if operation is not None and str(operation).isdigit() else None


def _expected_silent(name: str, history: HistoryData, contract: Contract, fired: list[Observation]) -> bool:
    """A legitimate shape (a real backend's, no defect: the checker must stay silent), or a fault whose
    every occurrence was benign where it struck."""
    if name in BY_NAME and legitimate(BY_NAME[name]):
        return True
    return name in BENIGN_WHEN and BENIGN_WHEN[name](history, contract, fired)


def unlogged(history: HistoryData) -> str | None:
    """Why the servers' record of the faults that fired is not whole, if the run injected any that are
    defects: its log not read, the backend's not read, or entries it had to forget. A fault that fired
    unrecorded is held against no finding, so the run proves nothing about it."""
    named = [str(value).partition("=")[0] for value in history.meta.get("faults") or []]  # NAME or NAME=RATE
    faults = [name for name in named if not (name in BY_NAME and legitimate(BY_NAME[name]))]
    if not faults:
        return None
    log = history.meta.get("server_log") or {}
    dropped = (history.meta.get("server_log_dropped") or {}).get("faults") or 0
    if not log.get("read", True):
        why = log.get("why") or "the Pusher server's log was not read"
    elif log.get("backend_unread"):
        why = log["backend_unread"]
    elif dropped:
        why = f"the servers' logs forgot {dropped} of the faults that fired"
    else:
        return None
    return f"it injected {', '.join(faults)}, but {why}: which fired, and whether a check saw each, is unknown"


def fault_coverage(history: HistoryData, contract: Contract, findings: list[Finding]) -> Coverage:
    blind = unlogged(history)
    unknown = [Finding(NAME, blind, expected="the servers' whole record of the faults that fired")] if blind else []
    index = fault_index(history)
    if not index.fired:
        return Coverage(unknown)
    seen = {fault.name for finding in findings for fault in index.of(finding)}
    fired: dict[str, list[Observation]] = defaultdict(list)
    for obs, fault in index.fired:
        fired[fault.name].append(obs)
    unjudged = [
        Finding(
            NAME,
            f"{name} fired {len(times)} time(s) and no check saw it",
            expected="a finding the fault explains",
            actual=f"{len(times)} occurrence(s), none explaining a finding",
            times={"logged": times[0].time},
        )
        for name, times in sorted(fired.items())
        if name not in seen and not _expected_silent(name, history, contract, times)
    ]
    return Coverage(unknown + unjudged, len(index.fired))
