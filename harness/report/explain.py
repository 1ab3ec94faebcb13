"""Which injected fault explains which finding: the fault on record, linked to what it caused.

The Pusher server logs each fault it injects by socket, channel and event; the backend
simulator logs each by the harness operation it bent (the X-Stocksync-Operation header). A
finding about a delivery to a listener is explained by the Pusher faults on that listener's
sockets for that event; a finding about an operation by the backend faults on that operation;
a diverged view by any fault that reached its listener. Pure: history and findings in.
"""

from __future__ import annotations

from collections import defaultdict

from ..checks.findings import Finding
from ..history import HistoryData

SHOWN = 3


def fault_name(data: dict[str, object]) -> str:
    """The catalogue's name of an injected fault's record (the Pusher server logs `drop`, ...)."""
    kind = str(data.get("kind"))
    return kind if data.get("layer") == "backend" else f"pusher-{kind}"


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
    """For each finding (same order), the injected faults that explain it, in words."""
    listener_of: dict[str | None, str | None] = {o.socket_id: o.listener for o in history.of_kind("connect")}
    by_delivery: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    by_listener: dict[str | None, list[str]] = defaultdict(list)
    by_operation: dict[int, list[str]] = defaultdict(list)
    for obs in history.of_kind("injected-fault"):
        data = obs.data if isinstance(obs.data, dict) else {}
        name = fault_name(data)
        operation = data.get("operation")
        if operation is not None and str(operation).isdigit():
            by_operation[int(operation)].append(f"{name} on operation {operation}")
            continue
        listener = listener_of.get(obs.socket_id)
        text = f"{name} of {obs.event} to {listener}"
        by_delivery[(listener, obs.event)].append(text)
        by_listener[listener].append(text)
    causes = _lost_updates(history, findings)
    out = []
    for f in findings:
        found = list(by_operation.get(f.operation, [])) if f.operation is not None else []
        if f.name == "divergence":
            found += by_listener.get(f.listener, [])
            found += [cause for line, cause in causes.get(f.listener, []) if f"line {line} " in " ".join(f.diff)]
        elif f.listener is not None:
            found += by_delivery.get((f.listener, f.event), [])
        out.append(sorted(set(found))[:SHOWN])
    return out
