"""Which injected fault explains which finding: the fault on record, linked to what it caused.

The Pusher server logs each fault it injects by socket, channel and event; the backend
simulator logs each by the harness operation it bent (the X-Stocksync-Operation header). A
finding about a delivery to a listener is explained by the Pusher faults on that listener's
sockets for that event; a finding about an operation by the backend faults on that operation;
a diverged view by any fault that reached its listener. One linking for the checker, which holds
every fault that fired against the findings (`fault_coverage`), and for the report, which shows
each finding's causes. Pure: history and findings in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..record.history import HistoryData, Observation
from .findings import Finding
from .model import Key, entity, expected_event, fingerprint

SHOWN = 3


@dataclass(frozen=True, slots=True)
class Injected:
    """One fault the servers logged: its catalogue name and where it struck, in words."""

    name: str
    text: str


@dataclass
class FaultIndex:
    """The faults on record, by what a finding can name: its operation, its listener and event."""

    fired: list[tuple[Observation, Injected]] = field(default_factory=list)
    by_operation: dict[int, list[Injected]] = field(default_factory=lambda: defaultdict(list))
    by_delivery: dict[tuple[str | None, str | None], list[Injected]] = field(default_factory=lambda: defaultdict(list))
    by_listener: dict[str | None, list[Injected]] = field(default_factory=lambda: defaultdict(list))
    by_event: dict[tuple[Key | None, object], int] = field(default_factory=dict)
    """(entity, fingerprint) of the events the backend faults' operations owed -> the operation: a
    finding about one received event (its envelope, its size) names no operation, only the event."""

    def of(self, finding: Finding) -> set[Injected]:
        """The faults that explain `finding`."""
        operation = finding.operation if finding.operation is not None else self._operation_of(finding)
        found = set(self.by_operation.get(operation, ())) if operation is not None else set()
        if finding.name == "divergence":
            found.update(self.by_listener.get(finding.listener, ()))
        elif finding.listener is not None:
            found.update(self.by_delivery.get((finding.listener, finding.event), ()))
        return found

    def _operation_of(self, finding: Finding) -> int | None:
        data = finding.actual
        if not self.by_event or not isinstance(data, dict):
            return None
        line = data.get("line")
        return self.by_event.get((entity(finding.event, data), fingerprint(finding.event, line)))


def fault_name(data: dict[str, object]) -> str:
    """The catalogue's name of an injected fault's record (the Pusher server logs `drop`, ...)."""
    kind = str(data.get("kind"))
    return kind if data.get("layer") == "backend" else f"pusher-{kind}"


def fault_index(history: HistoryData) -> FaultIndex:
    index = FaultIndex()
    listener_of: dict[str | None, str | None] = {o.socket_id: o.listener for o in history.of_kind("connect")}
    for obs in history.of_kind("injected-fault"):
        data = obs.data if isinstance(obs.data, dict) else {}
        name = fault_name(data)
        operation = data.get("operation")
        if operation is not None and str(operation).isdigit():
            fault = Injected(name, f"{name} on operation {operation}")
            index.by_operation[int(str(operation))].append(fault)
        else:
            listener = listener_of.get(obs.socket_id)
            fault = Injected(name, f"{name} of {obs.event} to {listener}")
            index.by_delivery[(listener, obs.event)].append(fault)
            index.by_listener[listener].append(fault)
        index.fired.append((obs, fault))
    for op in history.operations:
        if op.id in index.by_operation and op.ok:
            key, fp, _ = expected_event(op)
            index.by_event[(key, fp)] = op.id
    return index


def _lost_updates(history: HistoryData, findings: list[Finding]) -> dict[str | None, list[tuple[object, str]]]:
    """Per listener, the events it never got (or got wrong), by line: what makes its view diverge."""
    line_of = {op.id: op.request.get("line_id") for op in history.operations}
    lost: dict[str | None, list[tuple[object, str]]] = defaultdict(list)
    for f in findings:
        if f.name in ("missing-event", "gap-during-disconnect", "payload-mismatch") and f.operation is not None:
            line = line_of.get(f.operation)
            if line is not None:
                lost[f.listener].append((line, f"{f.name} of operation {f.operation} (line {line})"))
    return lost


def explanations(history: HistoryData, findings: list[Finding]) -> list[list[str]]:
    """For each finding (same order), what explains it, in words: the injected faults, and for a
    diverged view the lost or wrong events of its lines."""
    index = fault_index(history)
    causes = _lost_updates(history, findings)
    out = []
    for f in findings:
        found = {fault.text for fault in index.of(f)}
        if f.name == "divergence":
            found.update(cause for line, cause in causes.get(f.listener, []) if f"line {line} " in " ".join(f.diff))
        out.append(sorted(found)[:SHOWN])
    return out
