"""A copy that comes after its write settled (`checks/late_copies.py`): still a missing-event, told
with when it came, so that a stall the harness recorded may explain it, and never taken as the event
of a later write of its line with the wrong values."""

from __future__ import annotations

import copy

import pytest

from harness.checks import CheckResult, check
from harness.checks.stream import GRACE_S
from harness.checks.verdict import FAIL, INCONCLUSIVE
from harness.load.feed import LiveFeed
from harness.record.history import HistoryData, Observation
from harness.spec.contract import Contract
from harness.testing import following
from tests.histories import LINE, event_text, harness_stall, healthy, patch_op, receipt, replace_receipt

READ = 15.0
"""When the viewer read the write's copy: 14 s after its invoke at 1.0 s, past the 1 s limit and the
10 s grace the check waits."""
NEXT = {**LINE, "counted_full_units": "3.00", "counted_qty": "224.0000", "variance_qty": "-35.0000",
        "variance_value": "-87.50"}  # fmt: skip
"""The line as a second write (invoked at 14.5 s) left it."""


def _late(stalled: bool = True, read: float | None = READ, truth: dict = LINE) -> HistoryData:
    """`healthy`'s delivery read at `read` (never, if None), the viewer's listener process held from 1.3 s
    until just before it if `stalled`; the line re-read after the run as `truth`."""
    history = copy.deepcopy(healthy())
    harness_stall(history)
    history.observations = [o for o in history.observations if o.kind not in ("harness-stall", "truth")]
    if read is None:
        history.observations = [o for o in history.observations if o.kind != "receipt"]
    else:
        replace_receipt(history, time=read)
    if stalled:
        held_until = READ - 0.01
        history.observations.append(
            Observation("harness-stall", held_until, data={"process": "host:1", "held_s": held_until - 1.3})
        )
    history.observations.append(Observation("truth", READ + 1.0, data={"stocktake_id": 5, "lines": [truth]}))
    history.observations.sort(key=lambda o: o.time)
    return history


def _named(result: CheckResult) -> list[tuple[str, str]]:
    return [(f.name, f.severity) for f in result.findings]


def test_a_copy_the_harnesss_own_stall_held_past_the_grace_is_the_stalls_doubt_not_a_lost_event() -> None:
    result = check(_late(), Contract())

    assert _named(result) == [("harness-stall", "inconclusive"), ("missing-event", "warning")]
    missing = next(f for f in result.findings if f.name == "missing-event")
    assert missing.times["received"] == READ
    assert missing.message.startswith(
        "viewer got line-counted-updated for operation 1 only 14.0 s after its invoke, 2.9 s after the check "
        f"stopped waiting for it (its window and {GRACE_S:g} s of grace)"
    )
    assert missing.cause is not None and missing.cause.startswith("harness-stall: the harness's own listener loop")
    assert result.verdict == INCONCLUSIVE


def test_a_copy_that_late_with_no_stall_is_the_backends_and_says_when_it_came() -> None:
    result = check(_late(stalled=False), Contract())

    assert _named(result) == [("missing-event", "error")]
    assert result.findings[0].times["received"] == READ
    assert "only 14.0 s after its invoke" in result.findings[0].message
    assert result.verdict == FAIL


def test_a_copy_that_never_came_is_missing_as_before_whatever_the_stalls() -> None:
    result = check(_late(read=None), Contract())

    missing = next(f for f in result.findings if f.name == "missing-event")
    assert (missing.severity, "received" in missing.times) == ("error", False)
    assert missing.message.startswith("viewer never got line-counted-updated for operation 1")
    assert result.verdict == FAIL


def _with_a_later_write(values: dict) -> HistoryData:
    """`_late` with the line written again at 14.5 s (to `values`) and that write's copy read at 15.05 s."""
    history = _late(truth=values)
    history.operations.append(patch_op(2, values, 14.5))
    history.observations.append(receipt("viewer", READ + 0.05, event_text(values)))
    history.observations.sort(key=lambda o: o.time)
    return history


def test_a_late_copy_is_its_own_writes_not_the_event_of_a_later_write_of_its_line_in_flight() -> None:
    """Before, the late copy was taken as the second write's event with the first's values (a
    payload-mismatch) and the second's own copy as a duplicate: two defects the backend never had."""
    result = check(_with_a_later_write(NEXT), Contract())

    assert _named(result) == [("harness-stall", "inconclusive"), ("missing-event", "warning")]
    assert result.findings[1].operation == 1
    assert result.counts["matched"] == 1


def test_a_copy_a_write_in_flight_owes_too_is_that_writes_and_the_next_one_alike_the_missed_writes() -> None:
    """The second write left the line as the first did: the first copy that came is its event, on time;
    the second, the same text again, is the first write's late copy, not a duplicate of the second's."""
    result = check(_with_a_later_write(LINE), Contract())

    assert _named(result) == [("harness-stall", "inconclusive"), ("missing-event", "warning")]
    missing = result.findings[1]
    assert (missing.operation, missing.times["received"]) == (1, READ + 0.05)
    assert result.counts["matched"] == 1


def test_the_live_check_tells_a_copy_that_came_updates_after_its_write_settled() -> None:
    """Updated at every second: the write settles at 12.1 s, an update shows it missing, and its copy
    comes at 15 s in a later one, which tells it as the final check does."""
    history = _late()
    recorder = following(history)
    feed = LiveFeed(Contract(), 1.0, recorder)
    shown = []
    for now in [*range(2, 20), None]:
        feed.rows(recorder, now)
        shown.append([(f.severity, "received" in f.times) for f in feed.check.findings if f.name == "missing-event"])
    assert ("error", False) in [found[0] for found in shown if found], "missing once settled, before its copy came"
    assert shown[-1] == [("warning", True)]
    assert sorted(_named(feed.check)) == sorted(_named(check(history, Contract())))


@pytest.mark.parametrize("stalled", [True, False], ids=["stalled", "not-stalled"])
def test_the_live_check_tells_the_late_copy_as_the_final_check_does(stalled: bool) -> None:
    history = _late(stalled)
    recorder = following(history)
    feed = LiveFeed(Contract(), 1.0, recorder)

    feed.rows(recorder, None)

    final = check(history, Contract())
    assert sorted(_named(feed.check)) == sorted(_named(final))
    assert [f.times.get("received") for f in feed.check.findings if f.name == "missing-event"] == [READ]
