"""A listener whose connection ended during play and never subscribed again to every channel it had is
owed nothing from then on (on those channels): the run cannot pass on its silence (INCONCLUSIVE),
planned drop or not, and stays silent where the drop healed, came after the run, or was followed by no
write."""

from __future__ import annotations

import pytest

from harness.checks import check
from harness.record.history import FAILURE, HistoryData, Observation
from harness.spec.contract import Contract
from tests.histories import DETAIL, LINE, LIST, event_text, healthy, patch_op, receipt

LATER = {**LINE, "counted_full_units": "3.00"}


def _dropped(at: float, planned: bool = False, back_at: float | None = None) -> HistoryData:
    """healthy() without the viewer's page, its connection ended at `at` (back at `back_at`, if ever),
    and a second write at 3.0 s, which the viewer hears at 3.2 s if subscribed then; the run quiesced
    at 8.0 s."""
    h = healthy()
    h.meta["quiesced_at"] = 8.0
    h.observations[-1] = Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [LATER]})  # the lines re-read
    h.observations = [o for o in h.observations if o.kind != "snapshot"]  # no page: a frontend-less run's listener
    h.observations.append(Observation("disconnect", at, "viewer", "1.1", data={"code": 4009, "planned": planned}))
    if back_at is not None:
        h.observations.append(Observation("connect", back_at, "viewer", "1.3"))
        h.observations.append(Observation("subscribed", back_at + 0.1, "viewer", "1.3", DETAIL))
    if at > 3.2 or back_at is not None:
        h.observations.append(receipt("viewer", 3.2, event_text(LATER), socket_id="1.1" if at > 3.2 else "1.3"))
    h.operations.append(patch_op(2, LATER, 3.0))
    h.observations.sort(key=lambda o: o.time)
    return h


def test_a_listener_lost_for_good_mid_play_leaves_the_run_inconclusive() -> None:
    result = check(_dropped(2.5), Contract())
    assert result.verdict == "INCONCLUSIVE" and result.errors == []
    assert result.reasons == [
        "1 listener(s) lost their connection during play and never subscribed again to every channel they had "
        "(viewer at 2.5 s (code 4009; 1 writes made after)), so any of those writes owed to it went unjudged"
    ]


def test_a_listener_back_on_its_list_channel_only_is_still_lost_to_the_detail_channel() -> None:
    """The viewer had both channels; on reconnect the detail channel's subscription was refused and the
    list channel's taken: the later write to the detail channel was owed the viewer nothing, so the run
    could not pass on it (a review found it passing: any one subscription counted as back)."""
    history = _dropped(2.5)
    history.observations += [
        Observation("subscribed", 0.1, "viewer", "1.1", LIST),
        Observation("connect", 2.6, "viewer", "1.3"),
        Observation("subscribed", 2.7, "viewer", "1.3", LIST),
        Observation("subscription-error", 2.7, "viewer", "1.3", DETAIL, data={"status": 403}),
    ]
    history.observations.sort(key=lambda o: o.time)
    result = check(history, Contract())
    assert result.verdict == "INCONCLUSIVE" and result.errors == []
    assert f"(viewer at 2.5 s (code 4009; 1 writes made after; back on {LIST} only))" in result.reasons[0]


def test_a_planned_drop_never_healed_leaves_the_run_inconclusive_as_an_unplanned_one() -> None:
    """The reconnect scenario's own drop excuses the gap it makes, not a listener that never came back."""
    result = check(_dropped(2.5, planned=True), Contract())
    assert result.verdict == "INCONCLUSIVE"
    assert "(viewer at 2.5 s (a drop the scenario planned; 1 writes made after))" in result.reasons[0]


@pytest.mark.parametrize(
    "history",
    [_dropped(2.5, planned=True, back_at=2.6), _dropped(2.5, back_at=2.6), _dropped(8.5), _dropped(3.5)],
    ids=["the-scenario-s-drop-healed", "subscribed-again", "after-the-run", "no-write-after"],
)
def test_a_drop_healed_after_the_run_or_before_no_write_stays_silent(history: HistoryData) -> None:
    assert check(history, Contract()).verdict == "PASS"


def test_a_listener_the_harness_lost_is_said_once_as_its_death_not_as_lost_too() -> None:
    history = _dropped(2.5)
    history.observations.append(Observation(FAILURE, 2.4, "viewer", data={"what": "listener worker"}))
    reasons = check(history, Contract()).reasons
    assert reasons[0].startswith("the harness's own listener worker stopped ")
    assert not any("lost their connection" in reason for reason in reasons), reasons
