"""Item stock levels and movement rows: what a stocktake run changes outside its own stocktake.

A real stock_tracker backend keeps each item's current quantity: every movement moves it, and an
approval books each line's variance as an adjustment. A staging run therefore leaves rows and
stock changes the API cannot undo; the simulator keeps them too, so the harness's account of what
a run left (`harness/run/residue.py`) is held against something real. Also here: the payload and
storage faults of issue 33 (`whole-stocktake-event`, `movement-commit-then-500`,
`negative-counts-accepted`), each in a function of its own.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from typing import Any

from . import serializers as ser
from .store import Row, Store

SIGNS = {"PURCHASE": 1, "TRANSFER_IN": 1, "ADJUSTMENT": 1, "WASTE": -1, "TRANSFER_OUT": -1}
WHOLE_LINES = 30
"""Lines the whole-stocktake-event fault nests: about 13 KB, over Pusher's 10 KB and under the
official SDK's own ~30 KB guard, so the Pusher server is the one that refuses it (as in staging)."""
MOVEMENT_AFTER_COMMIT = {
    "detail": "Injected fault movement-commit-then-500: the movement was saved, then the view raised."
}


def move(db: sqlite3.Connection, store: Store, item_id: int, change: Decimal) -> None:
    row = store.one("SELECT current_qty FROM item WHERE id = ?", (item_id,), db) or {"current_qty": "0"}
    db.execute("UPDATE item SET current_qty = ? WHERE id = ?", (str(Decimal(row["current_qty"]) + change), item_id))


def moved_by(kind: str, quantity: Decimal) -> Decimal:
    return SIGNS[kind] * quantity


def book_variances(db: sqlite3.Connection, store: Store, lines: list[Row]) -> None:
    """An approval's adjustments: each line's variance moves its item's stock."""
    for line in lines:
        variance = ser.counted_qty(line) - ser.expected_qty(line)
        if variance:
            move(db, store, line["item_id"], variance)


def item_json(row: Row) -> Row:
    return {"id": row["id"], "sku": row["sku"], "name": row["name"], "current_qty": ser.fixed(row["current_qty"], 4)}


def movement_row_json(row: Row) -> Row:
    return {"item": row["item_id"], "line_id": row["line_id"], **ser.movement_json(row)}


def whole_stocktake(data: dict[str, Any], lines: list[Row]) -> dict[str, Any]:
    """The whole-stocktake-event fault: the approve's event nests the stocktake with its lines,
    while its HTTP response stays small."""
    return {**data, "stocktake": {**data["stocktake"], "lines": [ser.line_json(r) for r in lines[:WHOLE_LINES]]}}


def outside_period(stocktake: Row, now: dt.date | None = None) -> bool:
    """Whether a movement dated today falls outside the stocktake's period (the harness's far-off
    periods always do): the line's period totals then never show it."""
    today = (now or dt.date.today()).isoformat()
    return not stocktake["period_start"] <= today <= stocktake["period_end"]


def store_movement_only(db: sqlite3.Connection, store: Store, line: Row, kind: str, quantity: Decimal) -> int:
    """The movement-commit-then-500 fault's commit: the movement row is saved and moves the item's
    stock, dated today; in a far-off period the line's totals never show it, and nothing is broadcast."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    movement_id = db.execute(
        "INSERT INTO movement (item_id, line_id, movement_type, quantity, timestamp) VALUES (?,?,?,?,?)",
        (line["item_id"], line["id"], kind, str(quantity), now),
    ).lastrowid
    move(db, store, line["item_id"], moved_by(kind, quantity))
    return int(movement_id or 0)
