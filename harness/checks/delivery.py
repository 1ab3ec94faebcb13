"""Did each listener get what it was owed (`owed.py`): missing, duplicate, payload-mismatch,
self-echo, late-event and gap-during-disconnect, from one correlation pass."""

from __future__ import annotations

import dataclasses
import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..contract import Contract
from ..history import HistoryData, Operation
from .findings import Finding, diff
from .model import Key, Receipt
from .owed import DELIVER, ECHO, GAP, Expectation, expectations

JUDGED_AS = {DELIVER: "missing-event", ECHO: "self-echo", GAP: "gap-during-disconnect"}
"""Each expectation is an item its role's check judges: owed deliveries, writers' own connections
(owed nothing, so an echo would show), deliveries owed across a disconnect."""

Diffs = dict[tuple[int, int], list[str]]
"""Differences by (expected payload, received Payload) object: every listener of a fan-out shares
both, so each pair is compared once."""


@dataclass(slots=True)
class Match:
    op: Operation
    receipt: Receipt


@dataclass
class DeliveryResult:
    findings: list[Finding] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    latencies: list[tuple[str, str, float]] = field(default_factory=list)
    judged: Counter[str] = field(default_factory=Counter)
    slowest: dict[tuple[int, str], float] = field(default_factory=dict)  # (operation, event) -> slowest latency


Copy = tuple[str, str, int]
"""A delivered copy: (listener, channel, id of its shared Payload)."""


def _duplicates(receipts: list[Receipt]) -> tuple[list[Receipt], list[tuple[Copy, Finding]]]:
    """The same (event, text) twice on one listener's channel; receipts share one Payload per
    (event, text), so its identity stands for both."""
    seen: dict[Copy, Receipt] = {}
    unique: list[Receipt] = []
    findings: list[tuple[Copy, Finding]] = []
    for r in receipts:
        ident = (r.listener, r.channel, id(r.payload))
        first = seen.get(ident)
        if first is None:
            seen[ident] = r
            unique.append(r)
        else:
            findings.append((ident, Finding(
                    "duplicate-event",
                    f"{r.listener} got {r.event} on {r.channel} again",
                    r.channel,
                    r.event,
                    listener=r.listener,
                    actual=r.data,
                    times={"first": first.time, "again": r.time},
                )))  # fmt: skip
    return unique, findings


def check_delivery(
    history: HistoryData, contract: Contract, receipts: list[Receipt], latency_limit: float
) -> DeliveryResult:
    result = DeliveryResult()
    unique, duplicates = _duplicates(receipts)
    result.judged["duplicate-event"] = len(receipts)
    groups: dict[tuple[str, str, str, Key], list[Receipt]] = defaultdict(list)
    for r in unique:
        key = r.payload.key
        if key is not None:
            groups[(r.listener, r.channel, r.event, key)].append(r)
    wanted: dict[tuple[str, str, str, Key], list[Expectation]] = defaultdict(list)
    for exp in expectations(history, contract, latency_limit):
        wanted[(exp.listener, exp.channel, exp.event, exp.key)].append(exp)
        result.judged[JUDGED_AS[exp.role]] += 1
    diffs: Diffs = {}
    for group_key, exps in wanted.items():
        _match_group(exps, groups.get(group_key, []), latency_limit, result, diffs)
    result.judged["payload-mismatch"] = result.judged["late-event"] = len(result.matches)
    result.findings[:0] = _attributed(duplicates, result.matches)
    return result


def _attributed(duplicates: list[tuple[Copy, Finding]], matches: list[Match]) -> list[Finding]:
    """A second copy carries the same payload as the first, which was matched to its write: name that
    write on the duplicate-event, so it is a finding about a change like the others."""
    op_of = {(m.receipt.listener, m.receipt.channel, id(m.receipt.payload)): m.op.id for m in matches}
    return [dataclasses.replace(f, operation=op_of.get(copy)) for copy, f in duplicates]


def _match_group(
    exps: list[Expectation], receipts: list[Receipt], limit: float, result: DeliveryResult, diffs: Diffs
) -> None:
    """Walk the receipts in arrival order. Each may match only an operation invoked before it
    arrived: the one with its fingerprint if still unmatched (another's before the listener's
    own, which only an echo would match), else the earliest-completed unmatched one
    (broadcasts leave in commit order). A stale payload thus lands on its own
    operation as a mismatch, a lost event leaves exactly its operation unmatched, and a
    reordered pair still matches by fingerprint for the ordering check to judge."""
    arrived = sorted(receipts, key=lambda r: r.time)
    if _clean_pairs(exps, arrived, limit, result, diffs):
        return
    pending = sorted(exps, key=lambda e: e.op.invoke)
    by_fp: dict[object, list[Expectation]] = defaultdict(list)
    by_complete: list[tuple[float, int, Expectation]] = []
    matched: set[int] = set()
    cursor = 0
    for receipt in arrived:
        while cursor < len(pending) and pending[cursor].op.invoke <= receipt.time:
            exp = pending[cursor]
            by_fp[exp.fingerprint].append(exp)
            if exp.role != ECHO:
                heapq.heappush(by_complete, (exp.op.complete or exp.op.invoke, cursor, exp))
            cursor += 1
        same_fp = [e for e in by_fp.get(receipt.payload.fingerprint, ()) if id(e) not in matched]
        chosen = next((e for e in same_fp if e.role != ECHO), same_fp[0] if same_fp else None)
        while chosen is None and by_complete:
            candidate = heapq.heappop(by_complete)[2]
            if id(candidate) not in matched:
                chosen = candidate
        if chosen is not None:
            matched.add(id(chosen))
            _matched(chosen, receipt, limit, result, diffs)
    for exp in exps:
        if id(exp) not in matched and exp.role != ECHO:
            _unmatched(exp, result)


def _clean_pairs(
    exps: list[Expectation], arrived: list[Receipt], limit: float, result: DeliveryResult, diffs: Diffs
) -> bool:
    """The healthy case, decided without the walk: one receipt per expectation, each carrying a
    distinct fingerprint of a non-echo operation invoked before it arrived. The walk would pair
    exactly these (each receipt finds its own fingerprint still free), so the result is the same."""
    if len(exps) != len(arrived):
        return False
    by_fp = {e.fingerprint: e for e in exps}
    if len(by_fp) != len(exps):
        return False
    pairs = []
    for receipt in arrived:
        exp = by_fp.pop(receipt.payload.fingerprint, None)
        if exp is None or exp.role == ECHO or exp.op.invoke > receipt.time:
            return False
        pairs.append((exp, receipt))
    for exp, receipt in pairs:
        _matched(exp, receipt, limit, result, diffs)
    return True


def _matched(exp: Expectation, receipt: Receipt, limit: float, result: DeliveryResult, diffs: Diffs) -> None:
    op = exp.op
    if exp.role == ECHO:
        result.findings.append(
            Finding(
                "self-echo",
                f"{exp.listener} sent socket_id {op.socket_id} with operation "
                f"{op.id} ({op.kind}) and still got {exp.event} back",
                expected="no delivery to the originator",
                actual=receipt.data,
                **_common(exp, receipt),
            )
        )
        return
    result.matches.append(Match(op, receipt))
    latency = receipt.time - op.invoke
    result.latencies.append((exp.event, exp.listener, latency))
    change = (op.id, exp.event)
    result.slowest[change] = max(latency, result.slowest.get(change, 0.0))
    pair = (id(exp.payload), id(receipt.payload))
    differences = diffs.get(pair)
    if differences is None:
        differences = diffs[pair] = diff(exp.payload, receipt.data)
    if differences:
        result.findings.append(
            Finding(
                "payload-mismatch",
                f"{exp.event} for operation {op.id} differs from its HTTP response in {len(differences)} field(s)",
                expected=exp.payload,
                actual=receipt.data,
                diff=differences,
                **_common(exp, receipt),
            )
        )
    if latency > limit:
        result.findings.append(
            Finding(
                "late-event",
                f"{exp.event} reached {exp.listener} {latency * 1000:.0f} ms "
                f"after operation {op.id} was invoked (limit {limit * 1000:.0f} ms)",
                expected=f"<= {limit * 1000:.0f} ms",
                actual=f"{latency * 1000:.0f} ms",
                **_common(exp, receipt),
            )
        )


def _common(exp: Expectation, receipt: Receipt) -> dict[str, Any]:
    op = exp.op
    times = {"invoke": op.invoke, "complete": op.complete or op.invoke, "received": receipt.time}
    return dict(channel=exp.channel, event=exp.event, operation=op.id, listener=exp.listener, times=times)


def _unmatched(exp: Expectation, result: DeliveryResult) -> None:
    op = exp.op
    name = "gap-during-disconnect" if exp.role == GAP else "missing-event"
    why = "though subscribed throughout"
    if exp.role == GAP:
        why = "while its connection was down" + (" (a disconnect the scenario planned)" if exp.planned_gap else "")
    result.findings.append(
        Finding(
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
    )
