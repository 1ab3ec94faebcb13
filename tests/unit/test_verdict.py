"""PASS only when the run did what it set out to do: what each check judged, and INCONCLUSIVE."""

from __future__ import annotations

import copy

import pytest

from harness.checks import check
from harness.record.history import HistoryData, Observation
from harness.spec.contract import Contract
from tests.histories import LINE, healthy, missing, patch_op, refused

EXPECT = {"operations": 30, "duration_s": 20, "min_write_success": 0.5, "required": ["missing-event"]}


def _result(history: HistoryData):
    return check(history, Contract())


def test_a_healthy_run_passes_and_says_what_each_check_judged() -> None:
    result = _result(healthy())
    assert result.verdict == "PASS" and result.reasons == []
    judged = result.judged
    assert judged["missing-event"] == 1, "one listener was owed one event"
    assert judged["self-echo"] == 1, "the writer's own browser was owed nothing"
    assert judged["duplicate-event"] == judged["unexpected-event"] == 1, "one receipt"
    assert judged["divergence"] == 1 and judged["server-error"] == 1 and judged["writes-refused"] == 1
    assert judged["cross-hotel-access"] == judged["gap-during-disconnect"] == 0


@pytest.mark.parametrize(
    "history",
    [HistoryData(), HistoryData(meta={"scenario": "smoke", "expect": EXPECT})],
    ids=["empty", "meta-only"],
)
def test_an_empty_history_is_inconclusive(history: HistoryData) -> None:
    result = _result(history)
    assert result.verdict == "INCONCLUSIVE"
    assert result.reasons == ["the history holds no operations and no receipts: nothing was checked"]


def test_an_interrupted_run_is_inconclusive_saying_by_what_and_how_far() -> None:
    history = healthy()
    history.meta.update(expect=EXPECT, interrupted="SIGINT", ended_by="interrupted", steps=13)
    result = _result(history)
    assert result.verdict == "INCONCLUSIVE"
    assert result.reasons == ["interrupted by SIGINT after 13 of 30 planned counter steps"]


def test_the_time_bound_before_the_operations_is_inconclusive() -> None:
    history = healthy()
    history.meta.update(expect=EXPECT, ended_by="time", steps=7)
    assert _result(history).reasons == ["the 20 s time bound ended the run after 7 of 30 planned counter steps"]


def test_a_run_planned_by_time_passes_at_its_time_and_not_before() -> None:
    """A soak runs for its time: ending there is the plan; running out of operations first is not."""
    until_time = {**EXPECT, "until": "time"}
    history = healthy()
    history.meta.update(expect=until_time, ended_by="time", steps=7)
    assert _result(history).verdict == "PASS"
    history.meta.update(ended_by="operations", steps=30)
    assert _result(history).reasons == ["its cap of 30 counter steps was reached before the 20 s it was to run"]


def test_most_writes_refused_is_a_failure_and_would_be_inconclusive_alone() -> None:
    history = healthy()
    history.meta["expect"] = EXPECT
    for n in range(3):
        refused(history)
        history.operations[-1].id = 10 + n
    result = _result(history)
    assert result.verdict == "FAIL"
    (finding,) = [f for f in result.findings if f.name == "writes-refused"]
    assert finding.actual["count"] == 3 and finding.actual["share"] == 0.75
    assert finding.actual["samples"][0] == "You do not have permission."
    assert "3 of 4 patch_line writes (75%) answered 403" in finding.message


def test_too_few_successful_writes_without_a_refusal_is_inconclusive() -> None:
    history = healthy()
    history.meta["expect"] = {**EXPECT, "min_write_success": 0.9}
    history.operations.append(patch_op(9, LINE, 3.0, type="info", status=None, body=None, error="ReadTimeout"))
    result = _result(history)
    assert result.verdict == "FAIL", "an unanswered write is a server error"
    history.operations.pop()
    history.operations.append(
        patch_op(
            9,
            LINE,
            3.0,
            type="fail",
            status=409,
            body={"detail": "locked"},
            request={"stocktake_id": 5, "line_id": LINE["id"], "expect": "any"},
        )
    )
    assert _result(history).verdict == "PASS", "a write the run did not count on is not held against it"


def test_no_listener_subscribed_is_inconclusive() -> None:
    history = healthy()
    history.observations = [o for o in history.observations if o.kind not in ("subscribed", "receipt", "snapshot")]
    result = _result(history)
    assert result.verdict == "INCONCLUSIVE"
    assert "no listener subscribed to any channel, so no delivery could be checked" in result.reasons


def test_a_check_the_scenario_exists_for_that_judged_nothing_is_inconclusive() -> None:
    history = copy.deepcopy(healthy())
    history.meta.update(scenario="reconnect", expect={**EXPECT, "required": ["missing-event", "gap-during-disconnect"]})
    result = _result(history)
    assert result.verdict == "INCONCLUSIVE"
    assert result.reasons == [
        "reconnect exists to judge gap-during-disconnect, which judged nothing: "
        "no listener lost its connection while changes were owed to it"
    ]
    history.observations.insert(4, Observation("disconnect", 1.02, "viewer", "1.1", data={"planned": True}))
    history.meta["expect"]["required"] = ["gap-during-disconnect"]
    assert _result(history).judged["gap-during-disconnect"] == 1
    assert _result(history).verdict != "INCONCLUSIVE"


UNREAD_TRUTH = Observation("truth", 9.0, data={"stocktake_id": 5, "lines": [], "unread": "answered 429"})


def test_lines_the_backend_would_not_give_after_the_run_leave_the_pages_unjudged_and_it_inconclusive() -> None:
    """Compared with no lines, no page could differ: the run says so rather than passing its pages."""
    history = healthy()
    assert _result(history).judged["divergence"] == 1, "the control: the page is held against the lines re-read"
    history.observations[-1] = UNREAD_TRUTH
    result = _result(history)
    assert result.verdict == "INCONCLUSIVE" and result.judged["divergence"] == 0
    assert result.reasons == [
        "the fresh GET of the lines after the run answered 429 for stocktake 5, so the pages and the failed writes "
        "of those stocktakes were not compared with the server"
    ]


def test_lines_not_re_read_of_a_stocktake_nothing_was_to_be_compared_with_leave_it_passing() -> None:
    """A Locust supervisor's stocktake, say: no page of it, no change of its lines that failed."""
    history = healthy()
    history.observations.append(
        Observation("truth", 9.0, data={"stocktake_id": 6, "lines": [], "unread": "answered 404"})
    )
    assert _result(history).verdict == "PASS"


def test_lines_not_re_read_keep_no_defect_found_from_failing_the_run() -> None:
    history = healthy()
    missing(history)
    history.observations[-1] = UNREAD_TRUTH
    assert _result(history).verdict == "FAIL"
