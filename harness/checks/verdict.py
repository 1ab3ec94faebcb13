"""PASS, FAIL or INCONCLUSIVE: Jepsen's valid / invalid / unknown for a sync run.

FAIL: any error finding. INCONCLUSIVE: no error finding, but the run did not do what its
scenario asked, so silence proves nothing: it was interrupted, its time bound ended it before
its operations, too few of its writes succeeded, no listener subscribed, or a check the
scenario exists for judged nothing. Each reason is one sentence for every report.

What the scenario asked is recorded in the history's meta by the runner (`expect`, `ended_by`,
`steps`, `interrupted`), so `stocksync check` reaches the same verdict offline.
"""

from __future__ import annotations

from typing import Any

from ..history import HistoryData
from .findings import Finding
from .writes import counted_on

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
DEFAULT_MIN_WRITE_SUCCESS = 0.5

WHY_NOT_JUDGED = {
    "missing-event": "no event was owed to any listener",
    "cross-hotel-access": "no call was made with another hotel's data",
    "gap-during-disconnect": "no listener lost its connection while changes were owed to it",
    "locked-write-accepted": "no write came after the approval",
    "divergence": "no page could be compared with the server",
}


def decide(history: HistoryData, errors: list[Finding], judged: dict[str, int]) -> tuple[str, list[str]]:
    if errors:
        return FAIL, []
    reasons = inconclusive_reasons(history, judged)
    return (INCONCLUSIVE, reasons) if reasons else (PASS, [])


def inconclusive_reasons(history: HistoryData, judged: dict[str, int]) -> list[str]:
    meta = history.meta
    if not history.operations and not history.receipts_by_listener():
        return ["the history holds no operations and no receipts: nothing was checked"]
    expect: dict[str, Any] = meta.get("expect") or {}
    unplanned_end = meta.get("ended_by") not in (None, expect.get("until", "operations"))
    reasons = [_ending(meta, expect)] if meta.get("interrupted") or unplanned_end else []
    share = _write_share(history)
    minimum = float(expect.get("min_write_success", DEFAULT_MIN_WRITE_SUCCESS))
    if share is not None and share[0] < minimum * share[1]:
        reasons.append(
            f"only {share[0]} of {share[1]} writes the scenario expected to succeed did "
            f"({share[0] / share[1]:.0%}; it asks for at least {minimum:.0%})"
        )
    if not any(o.kind == "subscribed" for o in history.observations):
        reasons.append("no listener subscribed to any channel, so no delivery could be checked")
    scenario = meta.get("scenario") or "the scenario"
    for name in expect.get("required", ["missing-event"]):
        if not judged.get(name):
            why = WHY_NOT_JUDGED.get(name, "nothing it judges happened")
            reasons.append(f"{scenario} exists to judge {name}, which judged nothing: {why}")
    return reasons


def blind_to(verdict: str, reasons: list[str], findings: list[Finding]) -> tuple[str, list[str]]:
    """A run that would pass while an injected fault went unjudged (`fault_coverage`) is INCONCLUSIVE,
    each such finding's message one more reason; a failing run stays FAIL."""
    blind = [f.message for f in findings if f.severity == "inconclusive"]
    if verdict == FAIL or not blind:
        return verdict, reasons
    return INCONCLUSIVE, [*reasons, *blind]


def _ending(meta: dict[str, Any], expect: dict[str, Any]) -> str:
    done, total = meta.get("steps", "?"), expect.get("operations", "?")
    if meta.get("interrupted"):
        return f"interrupted by {meta['interrupted']} after {done} of {total} operations"
    if meta.get("ended_by") == "time":
        return f"the {expect.get('duration_s', '?')} s time bound ended the run after {done} of {total} operations"
    return f"its {total} operations were all taken before the {expect.get('duration_s', '?')} s it was to run"


def _write_share(history: HistoryData) -> tuple[int, int] | None:
    """(succeeded, answered or lost) of the writes expected to succeed; None if there were none."""
    attempted = counted_on(history)
    return (sum(op.ok for op in attempted), len(attempted)) if attempted else None
