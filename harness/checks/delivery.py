"""What one listener's deliveries of one thing say (`owed.py` says what it was owed): missing,
duplicate (found by the stream, `stream.py`), payload-mismatch, self-echo, late-event and
gap-during-disconnect.

A `Group` holds one listener's expectations for one entity on one channel and event, and `take`s
that listener's receipts of it in arrival order. Each receipt may match only an expectation of an
operation invoked before it arrived (the stream admits operations in invoke order before each
receipt), chosen in this order:
- an owed one with its fingerprint: writes that owe the same values owe that many copies (a
  re-save, a write-back, a write whose response carries a concurrent write's values), so the k-th
  copy pairs with the k-th such write, by invoke; but a copy past the latency limit of that write
  and within a later one's is the later one's: the earlier write's event was lost (one missing
  event), not late while the later one's went missing (two findings for one cause), unless the
  rest of its text is the earlier write's response and not the later one's;
- else the earliest-completed owed one (broadcasts leave in commit order), as a payload-mismatch:
  a stale payload lands on its own operation, a lost event leaves exactly its operation
  unmatched, and a reordered pair still matches by fingerprint for the ordering check to judge;
- else the writer's own connection's with its fingerprint: a self-echo.
The writer's own connection's copy with its own values while another write is owed is ambiguous:
its echo, or that write's stale event (a stale payload carries the previous write's values, so the
previous writer's connection gets the next write's event with its own values). It is the echo only
if the connection has had its own writes back already (an echo nothing else explains); else the
owed write's event, a payload-mismatch: one defect, told once, as what it is.
A copy of a text the listener already had is a duplicate unless a write owes it (the k-th copy
of k owed), or it is the echo of a connection known to echo, or an owed write asked for after the
one the text matched may have sent it as a stale event (a stale payload repeats the previous
event): then it is parked on that write, a duplicate if the write's own event comes, its stale
event if the next write's event comes first or its window closes.
A copy whose text two writes in flight both answered with may be either's, whichever `take` chose
for it: no swap is claimed on it (`undecided`), as the ordering check claims only what is certain.
"""

from __future__ import annotations

import math
from collections.abc import Set
from typing import Any

from ..record.history import Operation
from .findings import Finding, payload_diff
from .model import Receipt
from .owed import ECHO, GAP, Expectation, Parked
from .sizes import MAX_EVENT_BYTES, compact_size

JUDGED_AS = {"deliver": "missing-event", ECHO: "self-echo", GAP: "gap-during-disconnect"}
"""Each expectation is an item its role's check judges: owed deliveries, writers' own connections
(owed nothing, so an echo would show), deliveries owed across a disconnect."""
Choice = tuple[Expectation | None, Expectation | None]
"""The expectation a receipt is taken by, and the writer's own it may be instead."""


Group = list[Expectation]
"""The unmatched expectations of one (listener, channel, event, entity), in invoke order: a plain
list, as the stream makes one for nearly every delivery it is owed."""
GroupKey = tuple[str, str, str, object]
"""(listener, channel, event, entity): whose group."""


def take(
    pending: Group,
    receipt: Receipt,
    before: tuple[float, int | None, float] | None,
    echoing: Set[str],
    stale: list[Expectation],
    limit: float,
) -> Expectation | None:
    """The expectation of `pending` that `receipt` fulfils, if any (taken out of it). `before`: the
    listener's copies of this very text so far (first time, the write the latest matched, latest time),
    if it had one; a copy again that only a mismatch explains is parked on the write
    (`Expectation.parked`), which is returned still pending. `echoing`: the listeners that have had
    their own writes back already. `stale`: where a write goes whose parked copy turned out to be its
    own (stale) event, for the stream to judge. `limit`: the latency limit, in seconds. The healthy
    case (one write owed, with this very text) is the stream's own to take, without a call: it never
    comes here."""
    fingerprint = receipt.payload.fingerprint
    since = _since(receipt, pending)
    chosen, echo = _choose(pending, receipt, None if before is None else before[1], since, receipt.time - limit)
    if chosen is None:
        return None
    if chosen.parked is not None and chosen.fingerprint == fingerprint:
        later = _next(pending, chosen)
        if later is not None:  # a stale chain: the parked copy was its event, this one is the next write's
            chosen.matched = True
            pending.remove(chosen)
            stale.append(chosen)
            chosen = later
    if echo is not None and receipt.listener in echoing:
        chosen = echo
    elif chosen.role == ECHO and before is not None and receipt.listener not in echoing:
        return None  # a copy again, owed nobody: a duplicate, unless the connection echoes
    elif chosen.fingerprint != fingerprint and before is not None:
        if chosen.parked is not None:
            return None
        chosen.parked = Parked(receipt, before)
        return chosen
    chosen.matched = True
    pending.remove(chosen)
    return chosen


def undecided(
    exp: Expectation, receipt: Receipt, pending: Group, before: tuple[float, int | None, float] | None
) -> bool:
    """Whose copy `receipt` is cannot be told for its order: a write asked for before `exp`'s, still
    owed, has this very text for its response (`take` gave the copy to `exp`, on time for it, over
    that one, late), or this text's copy before was taken by a write asked for after `exp`'s (the
    same choice, the other way round). Either write's copy it may be, so no swap is claimed on it."""
    if before is not None and before[1] is not None and before[1] > exp.op.id:
        return True
    return any(
        e.op.id < exp.op.id and e.role != ECHO and e.fingerprint == exp.fingerprint and not _differences(e, receipt)
        for e in pending
    )


def unowe(groups: dict[GroupKey, Group], exp: Expectation) -> None:
    """`exp` leaves its group, matched by nothing (the group goes when nothing is left in it)."""
    key = (exp.listener, exp.channel, exp.event, exp.key)
    group = groups[key]
    group.remove(exp)
    if not group:
        del groups[key]


def _next(pending: list[Expectation], parked: Expectation) -> Expectation | None:
    """An owed write asked for after `parked`, the earliest-completed: a copy with the values of a
    write that holds a copy in doubt may be the next one's stale event, if there is one."""
    owed = [e for e in pending if e.op.id > parked.op.id and e.role != ECHO]
    return min(owed, key=lambda e: e.op.complete or e.op.invoke) if owed else None


def _since(receipt: Receipt, pending: list[Expectation]) -> float:
    """When the connection that got `receipt` subscribed (all of a group's expectations share the
    listener's subscriptions); -inf if the record does not say."""
    for sub in reversed(pending[0].subs if pending else []):
        if sub.socket_id == receipt.socket_id and sub.start <= receipt.time:
            return sub.start
    return -math.inf


def _choose(
    pending: list[Expectation], receipt: Receipt, after: int | None, since: float, on_time_from: float
) -> Choice:
    """(the owed write with this fingerprint, else the earliest-completed owed one, else the writer's
    own with this fingerprint; and the writer's own, if the owed one was taken over it). `after`: a
    copy again of a text that matched that write may be the stale event only of a write asked for
    after it (operations are numbered as they are invoked). Of the writes owing this fingerprint, one
    asked for before `on_time_from` (the copy would be late for it) is taken only if none asked for
    since is owed, or if the copy's whole text is its response and not the other's (`_differences`: a line
    counted alike twice, with a movement between, owes two events of one fingerprint that the rest of
    the line tells apart); and one answered before the receiving connection subscribed (`since`)
    last: Pusher replays nothing, so a listener that rejoined got a later write's copy (a re-save of
    the line), not the one it was away for; that one is a gap."""
    fingerprint = receipt.payload.fingerprint
    echo = None
    on_time: list[Expectation] = []
    late: list[Expectation] = []
    earlier = None
    for exp in pending:
        if exp.fingerprint == fingerprint and not _unsendable(exp):
            if exp.role == ECHO:
                echo = echo or exp
            elif (exp.op.complete if exp.op.complete is not None else math.inf) < since:
                earlier = earlier or exp
            else:
                (on_time if exp.op.invoke >= on_time_from else late).append(exp)
    if on_time and late:
        own = next((exp for exp in on_time + late if not _differences(exp, receipt)), None)
        return own or on_time[0], None
    if on_time or late:
        return (on_time or late)[0], None
    if earlier is not None:
        return earlier, None
    owed = [e for e in pending if e.role != ECHO and (after is None or e.op.id > after) and not _unsendable(e)]
    if not owed:
        return echo, None
    return min(owed, key=lambda e: e.op.complete or e.op.invoke), echo


def _differences(exp: Expectation, receipt: Receipt) -> list[str]:
    """How the copy's text differs from the write's response (`payload_diff`), worked out once per
    fan-out: every listener's copy shares the Payload."""
    differences = receipt.payload.diffs.get(exp.op.id)
    if differences is None:
        differences = receipt.payload.diffs[exp.op.id] = payload_diff(exp.payload, receipt.data)
    return differences


def _unsendable(exp: Expectation) -> bool:
    """Its event is over Pusher's 10 KB (it mirrors a response that large): Pusher refuses it, so no
    copy a listener got can be it, stale or not; its missing event is the oversize-payload's."""
    return compact_size(exp.payload) > MAX_EVENT_BYTES


def kind(op: Operation) -> str:
    """The operation's kind, and whether it saved a line again unchanged (a counter's re-save, an
    intruder's write-back): its event repeats the line's last one."""
    return op.kind + (", a re-save" if op.request.get("resave") else "")


def matched(exp: Expectation, receipt: Receipt, limit: float) -> list[Finding]:
    op = exp.op
    if exp.role == ECHO:
        return [Finding(
            "self-echo",
            f"{exp.listener} sent socket_id {op.socket_id} with operation "
            f"{op.id} ({kind(op)}) and still got {exp.event} back",
            expected="no delivery to the originator",
            actual=receipt.data,
            **_common(exp, receipt),
        )]  # fmt: skip
    found = []
    differences = _differences(exp, receipt)
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
        f"{exp.listener} never got {exp.event} for operation {op.id} ({kind(op)}) {why}",
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
