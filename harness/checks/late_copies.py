"""Copies that came after their write had settled: a missing-event told with the copy that came.

The stream waits GRACE_S past a write's window for each copy, then settles the write: a copy still
missing is a missing-event, and the write is forgotten. A copy that comes later still was no longer
owed. It was taken silently, or, if a later write of its line was in flight, as that write's event with
the wrong values: a run whose own listener loop was held longer than the limit and the grace (its cores
busy with the harness's own load) blamed the backend for losing events it had sent on time, and for
stale payloads it never sent.

So each missing-event is remembered by what its copy would be (listener, channel, event, thing and
values), and the first copy of it that comes later is taken as that write's, unless a write in flight
owes the same values (then it may be that one's). The finding stays a missing-event, as the live check
showed it when the write settled, and gains when the copy was read (`times["received"]`): a stall the
harness recorded may then explain it as it explains a late delivery (`harness_stalls`), and without one
the backend is blamed for a copy that late, in those words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .findings import Finding
from .model import Receipt
from .owed import Expectation

MISSING = "missing-event"

_Copy = tuple[str, str, str, object, object]
"""(listener, channel, event, thing, values): what a copy of a write's event would be."""
_Missed = tuple[int, float]
"""A missing-event's place in the stream's findings, and when its write settled."""


def late_copy(finding: Finding) -> bool:
    """A missing-event whose copy came after its write settled."""
    return finding.name == MISSING and "received" in finding.times


@dataclass
class LateCopies:
    """The missing-events whose copy has not come, each by its place in the stream's findings."""

    grace_s: float
    _missed: dict[_Copy, list[_Missed]] = field(default_factory=dict)

    def missed(self, exp: Expectation, at: int, settled: float) -> None:
        """`exp`'s write settled at `settled` without its copy: the missing-event at `at` of the findings.
        Kept for the run, as the finding is: a copy may come however long a stall held its listener."""
        self._missed.setdefault((exp.listener, exp.channel, exp.event, exp.key, exp.fingerprint), []).append(
            (at, settled)
        )

    def came(self, findings: list[Finding], r: Receipt, in_flight: list[Expectation] | None) -> bool:
        """Whether `r` is the late copy of a missing-event in `findings` (which then says so): no copy
        of it came before, or the copy before it was another write's, and no write `in_flight` on its line
        owes the same values."""
        payload = r.payload
        copy = (r.listener, r.channel, r.event, payload.key, payload.fingerprint)
        waiting = self._missed.get(copy)
        if not waiting or any(exp.fingerprint == payload.fingerprint for exp in in_flight or ()):
            return False
        at, settled = waiting.pop(0)
        if not waiting:
            del self._missed[copy]
        missing = findings[at]
        late_s = r.time - missing.times.get("invoke", r.time)
        message = (
            f"{missing.listener} got {missing.event} for operation {missing.operation} only {late_s:.1f} s after "
            f"its invoke, {r.time - settled:.1f} s after the check stopped waiting for it (its window and "
            f"{self.grace_s:g} s of grace): counted as missing"
        )
        findings[at] = replace(missing, message=message, times={**missing.times, "received": r.time})
        return True
