"""A group's line: the whole of one cause in words, with its denominator ("44 of 44 patch_line
writes (100 %) answered 403: ..."), so a reader knows its size without counting rows."""

from __future__ import annotations

from collections import Counter

from ..checks.findings import Finding
from ..checks.refusals import by_kind
from ..spec.contract import WRITE_KINDS
from .calls import Call, RunFacts

Key = tuple[str, ...]
"""A group's signature: ("http", name, "", status, words, severity) (any kind of call), ("locked", name, kind, status),
("intrusion", name, "", intruder's hotel, hotel) (any kind of call), ("fault", name if several faults else "",
severity, faults), ("event", name, severity, event) or ("caused", name, cause) for findings whose
cause is in no group."""


def _share(n: int, of: int, things: str) -> str:
    """ "44 of 44 patch_line writes (100 %)"; never "N of M" with N over M (a denominator not known)."""
    return f"{n} of {of} {things} ({round(100 * n / of)} %)" if of >= n > 0 else f"{n} {things}"


def _plural(n: int, one: str, many: str = "") -> str:
    """ "1 write", "2 writes"."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def _span(operations: list[int]) -> str:
    if len(operations) <= 2:
        return ", ".join(map(str, operations))
    return f"{operations[0]}-{operations[-1]}"


def _events(members: list[Finding]) -> str:
    counts = Counter(f.event for f in members if f.event)
    if len(counts) <= 1:
        return f" of {next(iter(counts))}" if counts else ""
    return f" of {len(counts)} events ({', '.join(f'{e} {n}' for e, n in counts.most_common())})"


def _kinds(members: list[Finding], facts: RunFacts) -> list[tuple[str, int]]:
    """How many of `members` each kind of call made, by kind."""
    return sorted(Counter(facts.calls[f.operation].kind for f in members if f.operation in facts.calls).items())


def _whole(shares: dict[str, tuple[int, int]]) -> tuple[int, int, str]:
    """Each kind's (n, of) summed, and what they are: "writes", or "calls" if any is a read, after the
    kind's name when there is one kind ("patch_line writes")."""
    noun = "writes" if all(kind in WRITE_KINDS for kind in shares) else "calls"
    things = f"{next(iter(shares))} {noun}" if len(shares) == 1 else noun
    return sum(n for n, _ in shares.values()), sum(of for _, of in shares.values()), things


def _http_line(first: Finding, members: list[Finding], call: Call, facts: RunFacts) -> str:
    """One status in the same words, whatever kinds of call it answered: each kind's share beside the
    whole's when there are several (one expired token refuses every kind of write)."""
    if first.name == "writes-refused":
        actual = first.actual if isinstance(first.actual, dict) else {}
        kinds = actual.get("kinds") or {call.kind: [actual.get("count", len(members)), facts.counted[call.kind]]}
        shares = {kind: (int(n), int(of)) for kind, (n, of) in kinds.items()}
    else:
        shares = {kind: (n, facts.outcomes[kind]) for kind, n in _kinds(members, facts)}
    n, of, things = _whole(shares)
    told = f"{_share(n, of, things)} {call.answer}: {call.words}"
    if len(shares) > 1:
        told = told.rstrip(".") + by_kind(shares)
    return told + ", yet their change is visible" if first.name == "write-despite-error" else told


def _delivery_line(members: list[Finding], faults: str) -> str:
    first = members[0]
    listeners = len({f.listener for f in members if f.listener is not None})
    operations = sorted({f.operation for f in members if f.operation is not None})
    if first.name == "divergence":
        told = (
            f"{_plural(len(members), 'listener view differs', 'listener views differ')} from a fresh GET after the run"
        )
    elif listeners:
        told = f"{_plural(len(members), first.name + ' delivery', first.name + ' deliveries')}{_events(members)} "
        told += f"to {_plural(listeners, 'listener')}"
        told += f", from {_plural(len(operations), 'write')} (operations {_span(operations)})" if operations else ""
    else:
        told = f"{len(members)} x {first.name}{_events(members)}"
        told += f" (operations {_span(operations)})" if operations else ""
    if first.name == "late-event":
        worst = max((f.times.get("received", 0.0) - f.times.get("invoke", 0.0) for f in members), default=0.0)
        told += f", up to {worst:.1f} s"
    return f"{faults}: {told}" if faults else told


def line(key: Key, members: list[Finding], facts: RunFacts) -> str:
    first = members[0]
    call = facts.calls.get(first.operation) if first.operation is not None else None
    if key[0] == "http" and call is not None:
        return _http_line(first, members, call, facts)
    if key[0] == "locked" and call is not None:
        locked = f"{call.kind} writes sent after their stocktake's approval"
        return f"{_share(len(members), facts.after_lock[call.kind], locked)} were accepted (expected 409)"
    if key[0] == "intrusion" and call is not None:
        shares = {
            kind: (n, facts.intrusions[(kind, call.actor_hotel, call.hotel)]) for kind, n in _kinds(members, facts)
        }
        n, tried, kinds = _whole(shares)
        intruders = f"intruder {kinds} of {call.actor_hotel} on {call.hotel}'s data"
        return f"{_share(n, tried, intruders)} were accepted (expected 403 or 404){by_kind(shares)}"
    if key[0] == "caused":
        return f"{key[2]}: {_delivery_line(members, '')}"
    if first.name == "harness-stall":
        return first.message  # one finding, the whole of its cause: every stall and the deliveries in it
    return _delivery_line(members, key[3] if key[0] == "fault" else "")
