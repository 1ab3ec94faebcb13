"""What one listener's deliveries of one thing say (`owed.py` says what it was owed): missing,
duplicate (found by the stream, `stream.py`), payload-mismatch, self-echo, late-event and
gap-during-disconnect.

A `Group` holds one listener's expectations for one entity on one channel and event, and takes
that listener's receipts of it in arrival order. Each receipt may match only an expectation of an
operation invoked before it arrived (the stream admits operations in invoke order before each
receipt): the one with its fingerprint if still unmatched (another's before the listener's own,
which only an echo would match), else the earliest-completed unmatched one (broadcasts leave in
commit order). A stale payload thus lands on its own operation as a mismatch, a lost event leaves
exactly its operation unmatched, and a reordered pair still matches by fingerprint for the
ordering check to judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .findings import Finding, payload_diff
from .model import Receipt
from .owed import ECHO, GAP, Expectation

JUDGED_AS = {"deliver": "missing-event", ECHO: "self-echo", GAP: "gap-during-disconnect"}
"""Each expectation is an item its role's check judges: owed deliveries, writers' own connections
(owed nothing, so an echo would show), deliveries owed across a disconnect."""


@dataclass(slots=True)
class Group:
    """The unmatched expectations of one (listener, channel, event, entity), in invoke order."""

    pending: list[Expectation] = field(default_factory=list)

    def take(self, receipt: Receipt) -> Expectation | None:
        pending = self.pending
        only = pending[0] if len(pending) == 1 else None
        if only is not None and only.fingerprint == receipt.payload.fingerprint and only.role != ECHO:
            chosen: Expectation | None = only  # the healthy case: one write in flight, its own event
        else:
            same_fp = [e for e in pending if e.fingerprint == receipt.payload.fingerprint]
            chosen = next((e for e in same_fp if e.role != ECHO), same_fp[0] if same_fp else None)
            if chosen is None:
                others = [e for e in pending if e.role != ECHO]
                chosen = min(others, key=lambda e: e.op.complete or e.op.invoke) if others else None
        if chosen is not None:
            chosen.matched = True
            pending.remove(chosen)
        return chosen


def matched(exp: Expectation, receipt: Receipt, limit: float) -> list[Finding]:
    op = exp.op
    if exp.role == ECHO:
        return [Finding(
            "self-echo",
            f"{exp.listener} sent socket_id {op.socket_id} with operation "
            f"{op.id} ({op.kind}) and still got {exp.event} back",
            expected="no delivery to the originator",
            actual=receipt.data,
            **_common(exp, receipt),
        )]  # fmt: skip
    found = []
    differences = receipt.payload.diffs.get(op.id)  # every listener of a fan-out shares the Payload
    if differences is None:
        differences = receipt.payload.diffs[op.id] = payload_diff(exp.payload, receipt.data)
    if differences:
        found.append(Finding(
            "payload-mismatch",
            f"{exp.event} for operation {op.id} differs from its HTTP response in {len(differences)} field(s)",
            expected=exp.payload,
            actual=receipt.data,
            diff=differences,
            **_common(exp, receipt),
        ))  # fmt: skip
    latency = receipt.time - op.invoke
    if latency > limit:
        found.append(Finding(
            "late-event",
            f"{exp.event} reached {exp.listener} {latency * 1000:.0f} ms "
            f"after operation {op.id} was invoked (limit {limit * 1000:.0f} ms)",
            expected=f"<= {limit * 1000:.0f} ms",
            actual=f"{latency * 1000:.0f} ms",
            **_common(exp, receipt),
        ))  # fmt: skip
    return found


def _common(exp: Expectation, receipt: Receipt) -> dict[str, Any]:
    op = exp.op
    times = {"invoke": op.invoke, "complete": op.complete or op.invoke, "received": receipt.time}
    return dict(channel=exp.channel, event=exp.event, operation=op.id, listener=exp.listener, times=times)


def unmatched(exp: Expectation) -> Finding:
    op = exp.op
    name = "gap-during-disconnect" if exp.role == GAP else "missing-event"
    why = "though subscribed throughout"
    if exp.role == GAP:
        why = "while its connection was down" + (" (a disconnect the scenario planned)" if exp.planned_gap else "")
    return Finding(
        name,
        f"{exp.listener} never got {exp.event} for operation {op.id} ({op.kind}) {why}",
        exp.channel,
        exp.event,
        op.id,
        exp.listener,
        expected=exp.payload,
        actual=None,
        times={"invoke": op.invoke, "complete": op.complete or op.invoke},
        warning=exp.planned_gap,
    )


def duplicate(first_time: float, receipt: Receipt, operation: int | None) -> Finding:
    """The same (event, text) twice on one listener's channel, named after the write its first copy
    matched, so it is a finding about a change like the others."""
    return Finding(
        "duplicate-event",
        f"{receipt.listener} got {receipt.event} on {receipt.channel} again",
        receipt.channel,
        receipt.event,
        operation,
        listener=receipt.listener,
        actual=receipt.data,
        times={"first": first_time, "again": receipt.time},
    )
