"""Each backend fault, seen on the wire by real pysher listeners; with no fault, none of it shows."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from harness.api import ApiRequest, ApiResponse, StocktakeApi
from harness.sim.backend.concurrent import WAIT_S
from harness.spec.faults import CATALOGUE
from harness.testing import wait_until
from tests.support import PysherClient, api_for, fresh_stocktake, sdk

HOTEL = "hotel-killarney"
SLOW_MS = 400


@dataclass
class Probe:
    """What one round of writes looked like from the outside."""

    patch: ApiResponse
    move: ApiResponse
    half_keg: ApiResponse
    same_period: ApiResponse
    float_move: ApiResponse
    patch_seconds: float
    seen_by_other: list[tuple[str, str, Any]]
    seen_by_me: list[tuple[str, str, Any]]
    locked_patch: ApiResponse
    intruder_read: ApiResponse
    trespass_read: ApiResponse
    trigger_errors: list[str]
    line_after: dict
    approve: ApiResponse
    movements: list[dict]
    negative: ApiResponse
    negative_after: dict

    def others(self, event: str, channel_suffix: str = "") -> list[dict]:
        return [json.loads(d) for c, e, d in self.seen_by_other if e == event and c.endswith(channel_suffix)]


def probe(stack) -> Probe:
    api = api_for(stack)
    sid = fresh_stocktake(api)
    detail, listing = f"{HOTEL}-stocktake-{sid}", f"{HOTEL}-stocktakes"
    line = api.send(api.list_lines(sid)).body[0]
    locked = fresh_stocktake(api)
    locked_line = api.send(api.list_lines(locked)).body[0]["id"]
    assert api.send(api.approve(locked)).status == 200
    me, other = PysherClient(stack, [detail]), PysherClient(stack, [detail, listing])
    try:
        started = time.monotonic()
        patch = api.send(api.patch_line(line["id"], "3", "12.25", socket_id=me.socket_id))
        patch_seconds = time.monotonic() - started
        move = api.send(api.add_movement(line["id"], "PURCHASE", "5", socket_id=me.socket_id))
        half_keg = api.send(api.add_movement(line["id"], "PURCHASE", "0.5", socket_id=me.socket_id))
        stocktake = api.send(api.get_stocktake(sid)).body
        same_period = api.send(api.create_stocktake(stocktake["period_start"], stocktake["period_end"]))
        float_body = json.dumps({"movement_type": "WASTE", "quantity": 1.5})
        float_move = api.send(ApiRequest("POST", f"/stocktake-lines/{line['id']}/add-movement/", raw=float_body,
                                         socket_id=me.socket_id))  # fmt: skip
        locked_patch = api.send(api.patch_line(locked_line, "1", socket_id=me.socket_id))
        intruder = api_for(stack, other=True)
        intruder_read = intruder.send(intruder.get_line(line["id"]))
        info = stack.ready_info()["api"]
        trespasser = StocktakeApi(info["base_url"], info["hotel"], info["other_token"])  # B's token, A's URL
        trespass_read = trespasser.send(trespasser.get_line(line["id"]))
        spare = api.send(api.list_lines(sid)).body[-1]["id"]
        negative = api.send(api.patch_line(spare, partial_units="-1", socket_id=me.socket_id))
        movements = api.send(ApiRequest("GET", f"/stocktake-lines/{line['id']}/movements/")).body
        line_after = api.send(api.get_line(line["id"])).body
        approve = api.send(api.approve(sid, socket_id=me.socket_id))
        sdk(stack).trigger([detail, listing], "test-event", {"marker": True})
        wait_until(lambda: len(other.received("test-event")) == 2 and me.received("test-event"), what="markers")
        return Probe(
            patch,
            move,
            half_keg,
            same_period,
            float_move,
            patch_seconds,
            list(other.events),
            list(me.events),
            locked_patch,
            intruder_read,
            trespass_read,
            [e.error for e in stack.backend.broadcaster.errors],
            line_after,
            approve,
            movements,
            negative,
            api.send(api.get_line(spare)).body,
        )
    finally:
        me.close()
        other.close()


SHOWS: dict[str, Callable[[Probe], bool]] = {
    "underscore-event-names": lambda p: bool(p.others("line_counted_updated")) and not p.others("line-counted-updated"),
    "swallowed-broadcast": lambda p: p.patch.ok and not p.others("line-counted-updated"),
    "double-broadcast": lambda p: len(p.others("line-counted-updated")) == 2,
    "stale-payload": lambda p: any(
        e["line"]["counted_full_units"] != p.patch.body["counted_full_units"] for e in p.others("line-counted-updated")
    ),
    "partial-line": lambda p: any("item_name" not in e["line"] for e in p.others("line-movement-added")),
    "bad-envelope": lambda p: any(e["item_sku"] != e["line"]["item_sku"] for e in p.others("line-counted-updated")),
    "thin-envelope": lambda p: any("line_id" not in e for e in p.others("line-counted-updated")),
    "ignore-socket-id": lambda p: any(e == "line-counted-updated" for _, e, _ in p.seen_by_me),
    "wrong-channel": lambda p: (
        bool(p.others("line-counted-updated", "-stocktakes"))
        and not p.others("line-counted-updated", f"-stocktake-{p.patch.body['stocktake']}")
    ),
    "oversize-payload": lambda p: any("413" in e for e in p.trigger_errors) and not p.others("line-counted-updated"),
    "accept-locked-writes": lambda p: p.locked_patch.status == 200,
    "cross-hotel-access": lambda p: p.intruder_read.status == 200,
    "url-scoped-only": lambda p: p.trespass_read.status == 200 and p.intruder_read.status == 404,
    "slow-trigger": lambda p: p.patch_seconds >= SLOW_MS / 1000,
    "flaky-500": lambda p: p.patch.status == 500 and p.line_after["counted_full_units"] == "0.00",
    "refuse-line-writes": lambda p: (
        p.patch.status == 403
        and "permission" in p.patch.body["detail"]
        and p.line_after["counted_full_units"] == "0.00"
    ),
    "commit-then-500": lambda p: (
        p.patch.status == 500
        and p.line_after["counted_full_units"] == "3.00"
        and bool(p.others("line-counted-updated"))
    ),
    "hang-then-commit": lambda p: p.patch.ok and p.patch_seconds >= SLOW_MS / 1000,
    "late-response": lambda p: (
        p.patch.ok and p.patch_seconds >= SLOW_MS / 1000 and bool(p.others("line-counted-updated"))
    ),
    "duplicate-period-500": lambda p: p.same_period.status == 500,
    "float-quantity-500-stored": lambda p: (
        p.float_move.status == 500 and len(p.others("line-movement-added")) == 3 and p.move.ok
    ),
    "whole-purchases-only": lambda p: p.half_keg.status == 400 and "full kegs" in str(p.half_keg.body) and p.move.ok,
    "html-500": lambda p: p.patch.status == 500 and p.patch.body == "500 text/html: Server Error (500)",
    "debug-500": lambda p: (
        p.patch.status == 500
        and p.patch.body.startswith("500 text/html: TypeError at /")
        and p.patch.body.endswith(": unsupported operand type(s) for +: 'decimal.Decimal' and 'float'")
    ),
    "whole-stocktake-event": lambda p: (
        p.approve.ok
        and len(p.approve.text) < 1024
        and any("413" in e for e in p.trigger_errors)
        and not p.others("stocktake-status-changed")
    ),
    "movement-commit-then-500": lambda p: (
        p.move.status == 500
        and len(p.movements) == 3
        and p.line_after["purchases"] == "0.0000"
        and not p.others("line-movement-added")
    ),
    "wrong-pusher-secret": lambda p: (
        p.patch.ok and any("Invalid signature" in e for e in p.trigger_errors) and not p.others("line-counted-updated")
    ),
    "negative-counts-accepted": lambda p: p.negative.ok and p.negative_after["counted_partial_units"] == "-1.00",
    # held for a concurrent write of the line; the shape itself: test_concurrent_writes_answer_the_later_values
    "concurrent-values": lambda p: p.patch.ok and p.patch_seconds >= WAIT_S,
}
TIMED = ("slow-trigger", "hang-then-commit", "late-response", "concurrent-values")  # a loaded machine can be as slow
BACKEND_FAULTS = [spec.name for spec in CATALOGUE if spec.layer == "backend"]


def test_every_backend_fault_has_a_wire_check() -> None:
    assert sorted(SHOWS) == sorted(BACKEND_FAULTS)


@pytest.mark.parametrize("fault", BACKEND_FAULTS)
def test_fault_shows_on_the_wire(stocksync_stack_factory, fault: str) -> None:
    result = probe(stocksync_stack_factory(faults=[fault], slow_ms=SLOW_MS))
    assert SHOWS[fault](result), result


def test_no_fault_shows_without_faults(stocksync_stack_factory) -> None:
    result = probe(stocksync_stack_factory(slow_ms=SLOW_MS))
    assert [name for name, shows in SHOWS.items() if name not in TIMED and shows(result)] == []
    assert result.others("line-counted-updated") == [
        {
            "line_id": result.patch.body["id"],
            "item_sku": result.patch.body["item_sku"],
            "user": result.others("line-counted-updated")[0]["user"],
            "line": result.patch.body,
        }
    ]
    assert result.others("line-movement-added") == [result.move.body, result.half_keg.body, result.float_move.body]
    assert result.same_period.status == 400, "a second stocktake for a period is refused in words"
    assert result.locked_patch.status == 409 and result.intruder_read.status == 404
    assert result.trespass_read.status == 404, "a token of one hotel reads nothing through another's URL"
    assert len(result.others("stocktake-status-changed")) == 2 and result.negative.status == 400
    assert [m["id"] for m in result.movements] == [
        result.move.body["movement"]["id"], result.half_keg.body["movement"]["id"],
        result.float_move.body["movement"]["id"]
    ], "the line's movement listing holds the movements the line shows"  # fmt: skip


def _two_writes_of_one_line(stack) -> tuple[list[ApiResponse], list[str]]:
    """Two PATCHes of one line, each from its own thread, the second sent once the first has
    committed, with a viewer on the stocktake: (both answers, the viewer's events as sent)."""
    api = api_for(stack)
    sid = fresh_stocktake(api)
    line = api.send(api.list_lines(sid)).body[0]["id"]
    viewer = PysherClient(stack, [f"{HOTEL}-stocktake-{sid}"])
    commits = stack.backend.commits
    try:
        with ThreadPoolExecutor(2) as pool:
            before = commits.appended
            first = pool.submit(api.send, api.patch_line(line, "1", "0.01"))
            wait_until(lambda: commits.appended > before, what="the first write's commit")
            second = pool.submit(api.send, api.patch_line(line, "2", "0.02"))
            answers = [first.result(), second.result()]
        wait_until(lambda: len(viewer.received("line-counted-updated")) == 2, what="both events")
        return answers, viewer.received("line-counted-updated")
    finally:
        viewer.close()


def test_concurrent_writes_answer_the_later_values(stocksync_stack_factory) -> None:
    """concurrent-values: the first write answers, and broadcasts, the line as the second left it:
    both answers and both events carry the same line (the checker owes two identical copies)."""
    answers, events = _two_writes_of_one_line(stocksync_stack_factory(faults=["concurrent-values"]))
    assert [a.status for a in answers] == [200, 200]
    assert answers[0].body == answers[1].body and answers[0].body["counted_full_units"] == "2.00"
    assert events[0] == events[1] and json.loads(events[0])["line"] == answers[1].body


def test_without_the_fault_each_write_answers_its_own_values(stocksync_stack_factory) -> None:
    answers, events = _two_writes_of_one_line(stocksync_stack_factory())
    assert [a.body["counted_full_units"] for a in answers] == ["1.00", "2.00"]
    assert [json.loads(e)["line"] for e in events] == [a.body for a in answers]
