"""Live rows for Locust's stats: the final checker, run on what has settled, each change once.

One PUSHER sample per change and event, judged once, when it has settled (its delivery window,
completion + latency limit, has passed): a failure named after its delivery findings if it has
any (missing, duplicate, mismatched, late, ...), a success otherwise. Its response time is the
definition the report uses: the slowest listener's delivery latency for that change, from the
write's invoke; a failure with no delivery carries the limit, never 0. So PUSHER requests/s is
the write rate (not writes x listeners), and the live Failures tab agrees with the report.

Findings about no single change (divergence, cross-hotel-access, server-error, ...) are
reported once each under their own name (request type SYNC), never as PUSHER samples.
`settle` is pure: a history in, the rows not reported before out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..checks import check
from ..checks.findings import Finding
from ..contract import Contract
from ..history import HistoryData

LIVE_LIMIT = 300_000  # observations; beyond this only the final check runs (it is linear, this is repeated)
DELIVERY = frozenset(
    {"missing-event", "duplicate-event", "payload-mismatch", "late-event", "self-echo", "envelope-mismatch",
     "wrong-channel", "out-of-order", "oversize-payload", "gap-during-disconnect"}
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    kind: str  # "PUSHER": one change's event; "SYNC": a finding about no single change
    name: str
    latency_ms: float
    failure: str | None = None
    detail: str = ""


@dataclass
class FeedState:
    reported_changes: set[tuple[int, str]] = field(default_factory=set)
    reported_notices: set[tuple[str, int | None, str | None, str | None, str]] = field(default_factory=set)
    findings: Counter[str] = field(default_factory=Counter)  # error findings so far, by name (the latest check)
    judged: dict[str, int] = field(default_factory=dict)  # what each check judged so far


def settle(
    history: HistoryData, contract: Contract, settled_before: float, limit_s: float, state: FeedState
) -> list[Row]:
    partial = history.settled(settled_before)
    result = check(partial, contract, limit_s * 1000)
    state.findings, state.judged = Counter(f.name for f in result.errors), result.judged
    about: dict[tuple[int, str], list[Finding]] = {}
    rows: list[Row] = []
    for f in result.errors:
        if f.name in DELIVERY and f.operation is not None and f.event is not None:
            about.setdefault((f.operation, f.event), []).append(f)
        else:
            rows.extend(_notice(f, state))
    for change in sorted({*result.slowest, *about}):
        if change in state.reported_changes:
            continue
        state.reported_changes.add(change)
        found = about.get(change, [])
        latency_ms = result.slowest.get(change, limit_s if found else 0.0) * 1000
        names = ", ".join(sorted({f.name for f in found})) or None
        rows.append(Row("PUSHER", change[1], round(latency_ms, 2), names, found[0].message if found else ""))
    return rows


def _notice(f: Finding, state: FeedState) -> list[Row]:
    key = (f.name, f.operation, f.listener, f.event, f.message)
    if key in state.reported_notices:
        return []
    state.reported_notices.add(key)
    return [Row("SYNC", f.name, 0.0, f.name, f.message)]
