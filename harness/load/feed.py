"""Live PUSHER rows for Locust's stats, from the same checks the final report uses.

Decision: one PUSHER sample per change and event, not one per receipt. Its response time
is the slowest listener's delivery latency measured from the HTTP response (the time until
every viewer had the change), so PUSHER requests/s equals the write rate instead of writes
x listeners, and the total requests/s Locust shows stays the HTTP load. Each finding about
a change (missing, duplicate, mismatched...) is one failure in the row of its event, with
the finding's name as the error, so Locust's Failures tab lists them by name.

`settled_rows` is pure: it checks the part of the history whose writes are older than the
latency limit (their deliveries are due) and returns the rows not reported before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..checks.delivery import check_delivery
from ..checks.model import parse_receipts
from ..contract import Contract
from ..history import HistoryData

LIVE_LIMIT = 300_000  # observations; beyond this only the final check runs (it is linear, this is repeated)


@dataclass(frozen=True)
class Row:
    event: str
    latency_ms: float
    failure: str | None = None
    detail: str = ""


@dataclass
class FeedState:
    reported_ops: set[tuple[int, str]] = field(default_factory=set)
    reported_findings: set[tuple[str, int | None, str | None, str | None]] = field(default_factory=set)


def settled_rows(
    history: HistoryData, contract: Contract, settled_before: float, limit_s: float, state: FeedState
) -> list[Row]:
    partial = history.settled(settled_before)
    delivery = check_delivery(partial, contract, parse_receipts(partial, contract), limit_s)
    slowest: dict[tuple[int, str], float] = defaultdict(float)
    for match in delivery.matches:
        done = match.op.complete or match.op.invoke
        key = (match.op.id, match.receipt.event)
        slowest[key] = max(slowest[key], max(0.0, match.receipt.time - done) * 1000)
    rows = [
        Row(event, latency)
        for (op_id, event), latency in sorted(slowest.items())
        if (op_id, event) not in state.reported_ops
    ]
    state.reported_ops.update(slowest)
    for finding in delivery.findings:
        about = (finding.name, finding.operation, finding.listener, finding.event)
        if about not in state.reported_findings and not finding.warning:
            state.reported_findings.add(about)
            rows.append(Row(finding.event or "?", 0.0, finding.name, finding.message))
    return rows
