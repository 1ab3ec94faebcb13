"""The simulator's endpoints and their broadcasts, held against the contract's examples."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from harness.sim.stack import EmbeddedStack
from harness.testing import wait_until
from tests.support import PysherClient, api_for, fresh_stocktake

HOTEL = "hotel-killarney"


def _events(client: PysherClient, event: str) -> list[dict]:
    return [json.loads(d) for d in client.received(event)]


def test_stocktake_lifecycle_broadcasts_per_contract(stocksync_stack: EmbeddedStack) -> None:
    api = api_for(stocksync_stack)
    lister = PysherClient(stocksync_stack, [f"{HOTEL}-stocktakes"])
    try:
        created = api.send(api.create_stocktake("2099-01-01", "2099-01-31"))
        assert created.status == 201
        sid = created.body["id"]
        assert created.body == {
            "id": sid,
            "hotel": 1,
            "period_start": "2099-01-01",
            "period_end": "2099-01-31",
            "status": "DRAFT",
            "is_locked": False,
            "line_count": 0,
        }
        detail = PysherClient(stocksync_stack, [f"{HOTEL}-stocktake-{sid}"])
        populated = api.send(api.populate(sid))
        assert populated.body == {"stocktake_id": sid, "lines_created": 300, "message": "Created 300 stocktake lines"}
        approved = api.send(api.approve(sid))
        assert approved.status == 200 and approved.body["stocktake"]["is_locked"] is True
        assert approved.body["adjustments_created"] == 300
        wait_until(lambda: _events(detail, "stocktake-status-changed"))
        assert _events(lister, "stocktake-created") == [created.body]
        assert _events(detail, "stocktake-populated") == [populated.body]
        assert _events(detail, "stocktake-status-changed") == [approved.body]
        wait_until(lambda: _events(lister, "stocktake-status-changed") == [approved.body])
        other = api.send(api.create_stocktake("2099-02-01", "2099-02-28"))
        assert api.send(api.delete_stocktake(other.body["id"])).status == 204
        wait_until(lambda: _events(lister, "stocktake-deleted") == [{"stocktake_id": other.body["id"]}])
        assert api.send(api.get_stocktake(other.body["id"])).status == 404
        detail.close()
    finally:
        lister.close()


def test_line_events_carry_the_http_response_and_skip_the_originator(stocksync_stack: EmbeddedStack) -> None:
    api = api_for(stocksync_stack)
    sid = fresh_stocktake(api)
    channel = f"{HOTEL}-stocktake-{sid}"
    me, them = PysherClient(stocksync_stack, [channel]), PysherClient(stocksync_stack, [channel])
    try:
        line = api.send(api.list_lines(sid)).body[0]
        assert line["item_sku"] == "D0030" and line["expected_qty"] == "259.0000"
        patched = api.send(api.patch_line(line["id"], "2", "45.50", socket_id=me.socket_id))
        assert patched.status == 200
        assert {
            k: patched.body[k]
            for k in (
                "counted_full_units",
                "counted_partial_units",
                "counted_qty",
                "expected_qty",
                "variance_qty",
                "variance_value",
            )
        } == {
            "counted_full_units": "2.00",
            "counted_partial_units": "45.50",
            "counted_qty": "221.5000",
            "expected_qty": "259.0000",
            "variance_qty": "-37.5000",
            "variance_value": "-93.75",
        }
        moved = api.send(api.add_movement(line["id"], "PURCHASE", "88", socket_id=me.socket_id))
        assert moved.status == 201
        assert (
            moved.body["line"]["purchases"],
            moved.body["line"]["expected_qty"],
            moved.body["line"]["variance_qty"],
        ) == ("88.0000", "347.0000", "-125.5000")
        wait_until(lambda: _events(them, "line-movement-added"))
        counted = _events(them, "line-counted-updated")
        assert len(counted) == 1 and counted[0]["line"] == patched.body
        assert counted[0]["line_id"] == line["id"] and counted[0]["item_sku"] == "D0030"
        assert _events(them, "line-movement-added") == [moved.body]
        assert me.received() == [], "the originator's socket_id must exclude it"
        assert api.send(api.get_line(line["id"])).body == moved.body["line"]
    finally:
        me.close()
        them.close()


def test_every_payload_stays_under_10kb_on_a_large_stocktake(stocksync_stack_factory) -> None:
    stack = stocksync_stack_factory(items_per_hotel=2000)
    api = api_for(stack)
    sid = fresh_stocktake(api)
    lines = api.send(api.list_lines(sid)).body
    assert len(lines) == 2000
    assert api.send(api.patch_line(lines[-1]["id"], "1")).status == 200
    assert api.send(api.approve(sid)).status == 200
    assert stack.backend.broadcaster.errors == []
    sizes = [len(json.dumps(b.data)) for o in stack.backend.commits for b in o.broadcasts]
    assert len(sizes) == 5 and max(sizes) < 10_240


def test_concurrent_patches_of_one_line_stay_consistent_and_in_commit_order(stocksync_stack: EmbeddedStack) -> None:
    api = api_for(stocksync_stack)
    sid = fresh_stocktake(api)
    line_id = api.send(api.list_lines(sid)).body[1]["id"]
    listener = PysherClient(stocksync_stack, [f"{HOTEL}-stocktake-{sid}"])
    try:
        values = [f"{n}.{n % 100:02d}" for n in range(1, 61)]
        with ThreadPoolExecutor(12) as pool:
            statuses = list(
                pool.map(lambda v: api_for(stocksync_stack).send(api.patch_line(line_id, None, v)).status, values)
            )
        assert statuses == [200] * 60
        wait_until(lambda: len(listener.received("line-counted-updated")) == 60)
        seen = [e["line"]["counted_partial_units"] for e in _events(listener, "line-counted-updated")]
        committed = [
            o.body["counted_partial_units"]
            for o in stocksync_stack.backend.commits
            if isinstance(o.body, dict) and o.body.get("id") == line_id and "counted_partial_units" in o.body
        ]
        assert seen == committed
        assert sorted(seen) == sorted(f"{float(v):.2f}" for v in values)
        final = api.send(api.get_line(line_id)).body
        assert final["counted_partial_units"] == seen[-1]
        assert final["counted_qty"] == f"{float(seen[-1]) + 0:.4f}"
    finally:
        listener.close()
