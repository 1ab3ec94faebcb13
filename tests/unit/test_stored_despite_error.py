"""write-despite-error for movements: a movement answered 5xx, yet the movement listing re-read at the
end holds one like it that no successful write explains. And what a run left, told by item and amount."""

from __future__ import annotations

import copy

from harness.checks import check
from harness.record.history import Observation
from harness.run.reread import StockLevels
from harness.run.residue import in_words
from harness.spec.contract import Contract
from tests.histories import LINE, healthy, patch_op

SENT = {"movement_type": "PURCHASE", "quantity": "5"}


def _movement_history(rows: list[dict], ok_movement: dict | None = None):
    h = copy.deepcopy(healthy())
    request = {"stocktake_id": 5, "line_id": LINE["id"], "body": SENT}
    h.operations.append(
        patch_op(6, LINE, 3.0, kind="add_movement", type="fail", status=500, body=None, request=request)
    )
    if ok_movement is not None:
        body = {"line_id": LINE["id"], "movement": ok_movement, "line": LINE}
        h.operations.append(patch_op(7, LINE, 3.5, kind="add_movement", body=body, request=request))
    via = f"/stocktake-lines/{LINE['id']}/movements/"
    data = {"what": "movements", "line_id": LINE["id"], "via": via, "status": 200, "rows": rows, "readable": True}
    h.observations.append(Observation("reread", 9.5, data=data))
    return h


def _despite(h) -> list:
    return [f for f in check(h, Contract()).findings if f.name == "write-despite-error"]


STORED = {"id": 41, "line_id": LINE["id"], "movement_type": "PURCHASE", "quantity": "5.0000"}


def test_a_listed_movement_no_success_explains_is_stored_despite_the_500() -> None:
    (found,) = _despite(_movement_history([STORED]))
    assert found.operation == 6 and "holds movement 41 (PURCHASE 5.0000)" in found.message
    assert found.actual["re-read"] == STORED


def test_silent_when_the_listed_movement_is_a_successful_writes_own_or_another_kind() -> None:
    assert _despite(_movement_history([STORED], ok_movement={"id": 41, **SENT})) == []
    assert _despite(_movement_history([{**STORED, "movement_type": "WASTE"}])) == []
    assert _despite(_movement_history([{**STORED, "line_id": 999}])) == []
    assert _despite(_movement_history([])) == []


def test_stock_changes_are_told_by_item_and_amount_in_stored_units() -> None:
    before = StockLevels({"1": {"sku": "D0030", "name": "Keg", "qty": "100.0000"},
                          "2": {"sku": "B0031", "name": "Lager", "qty": "24"}})  # fmt: skip
    after = StockLevels({"1": {"sku": "D0030", "name": "Keg", "qty": "268.0000"},
                         "2": {"sku": "B0031", "name": "Lager", "qty": "24.00"}})  # fmt: skip
    changes = before.changes(after)
    assert changes == [{"item": "1", "sku": "D0030", "name": "Keg", "before": "100.0000", "after": "268.0000",
                        "change": "168.0000"}]  # fmt: skip
    told = in_words({"movements": [3], "despite_error": [41, 42], "approvals": [5], "stock_changed": changes})
    assert told == (
        "1 movement(s) (ids 3); 2 movement(s) stored despite an error answer (ids 41, 42); the stock adjustments "
        "of 1 approval(s) (stocktake 5); 1 item stock level(s) changed, re-read before and after: D0030 +168.0000"
    )


def test_unreadable_stock_levels_are_said_to_be_unknown_not_unchanged() -> None:
    told = in_words({"stock_unread": "GET /items/ answered 404"})
    assert told == "item stock levels could not be compared (GET /items/ answered 404): their changes are unknown"
