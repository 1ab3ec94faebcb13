"""Stocktake operations: each runs in one transaction and returns the response and the
broadcasts the contract requires, which the caller sends only after the commit.

Payload-side faults (stale, partial, envelope, oversize, locked writes) live here,
because they are about what the backend builds, not about how it sends.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import serializers as ser
from . import stock, validation
from .broadcast import BackendFaults, Broadcast, detail_channel, list_channel
from .store import MOVEMENT_COLUMNS, Row, Store


class HttpError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


NOT_FOUND = {"detail": "Not found."}
LOCKED = {"detail": "Stocktake is approved and locked; it can no longer be changed."}


@dataclass
class Outcome:
    status: int
    body: Any
    broadcasts: list[Broadcast] = field(default_factory=list)


@dataclass(frozen=True)
class Actor:
    staff_id: int
    name: str
    hotel_id: int
    hotel_slug: str


class Service:
    def __init__(self, store: Store, faults: BackendFaults) -> None:
        self.store = store
        self.faults = faults

    def _owned(self, row: Row | None, hotel: Row) -> Row:
        if row is None or (row["hotel_id"] != hotel["id"] and not self.faults.hits("cross-hotel-access")):
            raise HttpError(404, NOT_FOUND)
        return row

    def _unlocked(self, stocktake_status: str) -> None:
        if stocktake_status == "APPROVED" and not self.faults.hits("accept-locked-writes"):
            raise HttpError(409, LOCKED)

    def _slug(self, hotel_id: int, db: sqlite3.Connection) -> str:
        row = self.store.one("SELECT slug FROM hotel WHERE id = ?", (hotel_id,), db)
        assert row is not None
        return str(row["slug"])

    def get_stocktake(self, hotel: Row, stocktake_id: int) -> Outcome:
        return Outcome(200, ser.stocktake_json(self._owned(self.store.stocktake(stocktake_id), hotel)))

    def list_stocktakes(self, hotel: Row) -> Outcome:
        return Outcome(200, [ser.stocktake_json(r) for r in self.store.stocktakes(hotel["id"])])

    def get_line(self, hotel: Row, line_id: int) -> Outcome:
        return Outcome(200, ser.line_json(self._owned(self.store.line(line_id), hotel)))

    def list_lines(self, hotel: Row, stocktake_id: int) -> Outcome:
        self._owned(self.store.stocktake(stocktake_id), hotel)
        return Outcome(200, [ser.line_json(r) for r in self.store.lines(stocktake_id)])

    def list_items(self, hotel: Row) -> Outcome:
        return Outcome(200, [stock.item_json(r) for r in self.store.items(hotel["id"])])

    def item_movements(self, hotel: Row, item_id: int | None) -> Outcome:
        return Outcome(200, [stock.movement_row_json(r) for r in self.store.item_movements(hotel["id"], item_id)])

    def list_movements(self, hotel: Row, line_id: int) -> Outcome:
        self._owned(self.store.line(line_id), hotel)
        return Outcome(200, [stock.movement_row_json(r) for r in self.store.movements(line_id)])

    def movement_then_500(self, db: sqlite3.Connection, hotel: Row, line_id: int, body: dict[str, Any]) -> bool:
        """The movement-commit-then-500 fault, for a line of a stocktake whose period excludes today:
        the movement is stored (the caller answers 500 after the commit). False: the fault does not apply."""
        kind, quantity = validation.movement(body)
        line = self._owned(self.store.line(line_id, db), hotel)
        self._unlocked(line["status"])
        stocktake = self.store.stocktake(line["stocktake_id"], db)
        if stocktake is None or not stock.outside_period(stocktake) or not self.faults.hits("movement-commit-then-500"):
            return False
        stock.store_movement_only(db, self.store, line, kind, quantity)
        return True

    def _counts(self, body: dict[str, Any]) -> dict[str, Decimal]:
        """The counts of a PATCH; under negative-counts-accepted a negative count is stored as sent."""
        try:
            return validation.line_counts(body)
        except validation.Invalid:
            negative = validation.line_counts(body, allow_negative=True) if self._negative(body) else None
            if negative is not None and self.faults.hits("negative-counts-accepted"):
                return negative
            raise

    @staticmethod
    def _negative(body: dict[str, Any]) -> bool:
        try:
            return any(Decimal(str(body[f])) < 0 for f in validation.COUNT_FIELDS if f in body)
        except (ArithmeticError, ValueError):
            return False

    def create_stocktake(self, db: sqlite3.Connection, hotel: Row, body: dict[str, Any]) -> Outcome:
        start, end = validation.period(body)
        try:
            new_id = db.execute(
                "INSERT INTO stocktake (hotel_id, period_start, period_end) VALUES (?, ?, ?)", (hotel["id"], start, end)
            ).lastrowid
        except sqlite3.IntegrityError:
            if self.faults.hits("duplicate-period-500"):  # the unique constraint reached the view unhandled
                raise HttpError(500, {"detail": "IntegrityError: UNIQUE constraint failed"}) from None
            raise HttpError(400, {"non_field_errors": ["A stocktake for this period already exists."]}) from None
        data = ser.stocktake_json(self.store.stocktake(int(new_id or 0), db) or {})
        return Outcome(201, data, [Broadcast(list_channel(hotel["slug"]), "stocktake-created", data)])

    def delete_stocktake(self, db: sqlite3.Connection, hotel: Row, stocktake_id: int) -> Outcome:
        row = self._owned(self.store.stocktake(stocktake_id, db), hotel)
        db.execute("DELETE FROM stocktake WHERE id = ?", (stocktake_id,))
        slug = self._slug(row["hotel_id"], db)
        return Outcome(204, None, [Broadcast(list_channel(slug), "stocktake-deleted", {"stocktake_id": stocktake_id})])

    def populate(self, db: sqlite3.Connection, hotel: Row, stocktake_id: int) -> Outcome:
        row = self._owned(self.store.stocktake(stocktake_id, db), hotel)
        self._unlocked(row["status"])
        if row["line_count"]:
            raise HttpError(400, {"detail": f"Stocktake already has {row['line_count']} lines."})
        created = db.execute(
            "INSERT INTO line (stocktake_id, item_id, opening_qty) "
            "SELECT ?, id, opening_qty FROM item WHERE hotel_id = ? ORDER BY id",
            (stocktake_id, row["hotel_id"]),
        ).rowcount
        data = {"stocktake_id": stocktake_id, "lines_created": created, "message": f"Created {created} stocktake lines"}
        channel = detail_channel(self._slug(row["hotel_id"], db), stocktake_id)
        return Outcome(200, data, [Broadcast(channel, "stocktake-populated", data)])

    def approve(self, db: sqlite3.Connection, hotel: Row, stocktake_id: int) -> Outcome:
        row = self._owned(self.store.stocktake(stocktake_id, db), hotel)
        if row["status"] == "APPROVED":
            raise HttpError(409, LOCKED)
        lines = self.store.lines(stocktake_id, db)
        adjustments = sum(1 for line in lines if not ser.variance_is_zero(line))
        stock.book_variances(db, self.store, lines)
        db.execute("UPDATE stocktake SET status = 'APPROVED' WHERE id = ?", (stocktake_id,))
        stocktake = ser.stocktake_json(self.store.stocktake(stocktake_id, db) or {})
        data = {
            "stocktake_id": stocktake_id,
            "status": "APPROVED",
            "adjustments_created": adjustments,
            "stocktake": stocktake,
        }
        slug = self._slug(row["hotel_id"], db)
        event = stock.whole_stocktake(data, lines) if self.faults.hits("whole-stocktake-event") else data
        return Outcome(
            200,
            data,
            [
                Broadcast(list_channel(slug), "stocktake-status-changed", event),
                Broadcast(detail_channel(slug, stocktake_id), "stocktake-status-changed", event),
            ],
        )

    def _line_event(
        self, db: sqlite3.Connection, before: Row, event: str, extra: dict[str, Any], line: dict[str, Any]
    ) -> Broadcast:
        sku = line["item_sku"]
        if self.faults.hits("bad-envelope"):
            sku = sku + "X"
        data = {"line_id": before["id"], "item_sku": sku, **extra, "line": line}
        if self.faults.hits("thin-envelope"):
            data = {**extra, "line": line}
        return Broadcast(detail_channel(self._slug(before["hotel_id"], db), before["stocktake_id"]), event, data)

    def patch_line(
        self, db: sqlite3.Connection, hotel: Row, actor: Actor, line_id: int, body: dict[str, Any]
    ) -> Outcome:
        counts = self._counts(body)
        before = self._owned(self.store.line(line_id, db), hotel)
        self._unlocked(before["status"])
        assignments = ", ".join(f"{name} = ?" for name in counts)
        db.execute(f"UPDATE line SET {assignments} WHERE id = ?", (*map(str, counts.values()), line_id))
        after = ser.line_json(self.store.line(line_id, db) or {})
        if self.faults.hits("oversize-payload"):
            # A serializer that nests the stocktake's lines: the response and the event that mirrors it
            # are over Pusher's 10 KB but under the SDK's own ~30 KB guard, so the server must refuse it.
            after["stocktake_lines"] = [ser.line_json(r) for r in self.store.lines(before["stocktake_id"], db)[:25]]
        payload_line = ser.line_json(before) if self.faults.hits("stale-payload") else after
        user = {"id": actor.staff_id, "name": actor.name}
        return Outcome(200, after, [self._line_event(db, before, "line-counted-updated", {"user": user}, payload_line)])

    def add_movement(self, db: sqlite3.Connection, hotel: Row, line_id: int, body: dict[str, Any]) -> Outcome:
        kind, quantity = validation.movement(body)
        if kind == "PURCHASE" and quantity != quantity.to_integral_value() and self.faults.hits("whole-purchases-only"):
            raise HttpError(400, {"quantity": ["Purchases must be in full kegs only."]})
        before = self._owned(self.store.line(line_id, db), hotel)
        self._unlocked(before["status"])
        column = MOVEMENT_COLUMNS[kind]
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        movement_id = db.execute(
            "INSERT INTO movement (item_id, line_id, movement_type, quantity, timestamp) VALUES (?,?,?,?,?)",
            (before["item_id"], line_id, kind, str(quantity), now),
        ).lastrowid
        stock.move(db, self.store, before["item_id"], stock.moved_by(kind, quantity))
        current = self.store.one(f"SELECT {column} AS value FROM line WHERE id = ?", (line_id,), db) or {}
        db.execute(f"UPDATE line SET {column} = ? WHERE id = ?", (str(Decimal(current["value"]) + quantity), line_id))
        line = ser.line_json(self.store.line(line_id, db) or {})
        movement = ser.movement_json({"id": movement_id, "movement_type": kind, "quantity": quantity, "timestamp": now})
        body_out = {"line_id": line_id, "item_sku": line["item_sku"], "movement": movement, "line": line}
        payload_line = line
        if self.faults.hits("partial-line"):
            payload_line = {k: line[k] for k in ("id", "item_sku", "purchases", "expected_qty", "variance_qty")}
        event = self._line_event(db, before, "line-movement-added", {"movement": movement}, payload_line)
        return Outcome(201, body_out, [event])
