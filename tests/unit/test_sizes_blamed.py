"""What a size is blamed for. An event some listener got was sent: Pusher took it, so a response over
10 KB is not why others missed it (`sizes.never_sent`). A backend's event may carry less than its
response (an approval's answer nesting the stocktake's lines, its event the status alone): its lost
copies are missing-events of their own, never a size "Pusher refuses". Only an event that came to no
listener is blamed on a size. And a read's answer is no event's: its size is never near Pusher's limit."""

from __future__ import annotations

import copy
import json

import pytest

from harness.checks import CheckResult, check
from harness.checks.findings import Finding
from harness.load.feed import LiveFeed
from harness.record.history import HistoryData, Observation, Operation
from harness.spec.contract import Contract
from harness.testing import following
from tests.histories import DETAIL, HOTEL, LINE, healthy, patch_op, receipt

APPROVED = json.dumps({"id": 5, "stocktake_id": 5, "status": "APPROVED"})


def _approved(got: tuple[str, ...]) -> HistoryData:
    """`healthy`, a supervisor subscribed after its write, then an approval whose answer (13.8 KB: the
    stocktake with its lines) is over Pusher's limit and whose event, the status alone, `got` received."""
    history = copy.deepcopy(healthy())
    history.observations[2:2] = [
        Observation("connect", 2.0, "supervisor", "3.3"),
        Observation("subscribed", 2.1, "supervisor", "3.3", DETAIL),
    ]
    answer = {"id": 5, "stocktake_id": 5, "status": "APPROVED", "lines": [LINE] * 60}
    history.operations.append(
        Operation(8, "approver", "approve", HOTEL, HOTEL, {"stocktake_id": 5}, None, 3.0, "ok", 3.1, 200, answer)
    )
    sockets = {"viewer": "1.1", "supervisor": "3.3", "counter-1-browser": "2.2"}
    copies = [receipt(who, 3.2, APPROVED, "stocktake-status-changed", socket_id=sockets[who]) for who in got]
    history.observations[-1:-1] = copies
    history.observations.sort(key=lambda o: o.time)
    return history


def _of(result: CheckResult | list[Finding], name: str) -> list[Finding]:
    findings = result.findings if isinstance(result, CheckResult) else result
    return [f for f in findings if f.name == name]


def test_an_event_one_listener_got_is_no_size_pusher_refused_for_those_who_missed_it() -> None:
    result = check(_approved(("viewer",)), Contract())

    assert not _of(result, "oversize-payload")
    missing = _of(result, "missing-event")
    assert sorted(f.listener or "" for f in missing) == ["counter-1-browser", "supervisor"]
    assert all(f.cause is None and "10 KB" not in f.message for f in missing)
    assert result.verdict == "FAIL"


def test_an_event_no_listener_got_is_blamed_on_its_size() -> None:
    """The control: the same write, its event received by none."""
    result = check(_approved(()), Contract())

    (oversize,) = _of(result, "oversize-payload")
    assert oversize.operation == 8 and "its event came to no listener: Pusher refuses events over 10 KB" in (
        oversize.message
    )
    missing = _of(result, "missing-event")
    assert {f.listener for f in missing if f.operation == 8} == {"viewer", "supervisor", "counter-1-browser"}
    assert all(f.cause == "oversize-payload of operation 8" for f in missing if f.operation == 8)


@pytest.mark.parametrize("got", [("viewer",), ()], ids=["one-got-it", "none-got-it"])
def test_the_live_check_tells_the_size_as_the_final_check_does(got: tuple[str, ...]) -> None:
    """Updated every second: what it shows at any update is among the final check's findings (a missing
    event shown at its window's close gains its cause when its write settles), and at the end it is
    what the final check found."""
    history = _approved(got)
    final = check(history, Contract()).findings
    named = {(f.name, f.operation, f.listener) for f in final}
    recorder = following(history)
    feed = LiveFeed(Contract(), 1.0, recorder)
    for now in [*range(2, 20), None]:
        feed.rows(recorder, now)
        shown = {(f.name, f.operation, f.listener) for f in feed.check.findings if f.name != "divergence"}
        assert shown <= named, shown - named
    ended = {(f.name, f.operation, f.listener, f.cause) for f in feed.check.findings if f.name != "divergence"}
    assert ended == {(f.name, f.operation, f.listener, f.cause) for f in final if f.name != "divergence"}
    assert bool(_of(feed.check.findings, "oversize-payload")) == (not got)


@pytest.mark.parametrize("kind", ["get_stocktake", "patch_line"])
def test_only_a_writes_answer_is_near_pusher_s_limit(kind: str) -> None:
    """A 9 KB answer (the stocktake with 38 lines): a prober's read of it is no event, so it is neither
    a warning (which fails a --strict run) nor a payload judged; the same answer to a write, mirrored by
    its event, is (the control)."""
    history = copy.deepcopy(healthy())
    answer = {**LINE, "lines": [LINE] * 38}
    history.operations.append(patch_op(2, answer, 3.0, actor="prober", kind=kind, socket_id=None))
    result = check(history, Contract())
    near = _of(result, "payload-near-limit")
    if kind == "get_stocktake":
        assert not near and result.judged["payload-near-limit"] == 1 and result.verdict == "PASS"
    else:
        assert [f.operation for f in near] == [2] and result.judged["payload-near-limit"] == 2
