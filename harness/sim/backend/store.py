"""The simulator's SQLite store (WAL): one writer connection, one reader per thread.

All writes go through `write()`, a BEGIN IMMEDIATE transaction on the single writer
connection, so a failed request rolls back whole and commit order is well defined.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .seed import Hotel

Row = dict[str, Any]

SCHEMA = """
CREATE TABLE hotel (id INTEGER PRIMARY KEY, slug TEXT UNIQUE NOT NULL, name TEXT NOT NULL);
CREATE TABLE staff (id INTEGER PRIMARY KEY, hotel_id INTEGER NOT NULL REFERENCES hotel(id),
    name TEXT NOT NULL, token TEXT UNIQUE NOT NULL);
CREATE TABLE item (id INTEGER PRIMARY KEY, hotel_id INTEGER NOT NULL REFERENCES hotel(id),
    sku TEXT NOT NULL, name TEXT NOT NULL, category TEXT NOT NULL, uom TEXT NOT NULL,
    unit_cost TEXT NOT NULL, opening_qty TEXT NOT NULL, current_qty TEXT NOT NULL, UNIQUE (hotel_id, sku));
CREATE TABLE stocktake (id INTEGER PRIMARY KEY, hotel_id INTEGER NOT NULL REFERENCES hotel(id),
    period_start TEXT NOT NULL, period_end TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'DRAFT',
    UNIQUE (hotel_id, period_start, period_end));
CREATE TABLE line (id INTEGER PRIMARY KEY,
    stocktake_id INTEGER NOT NULL REFERENCES stocktake(id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL REFERENCES item(id), opening_qty TEXT NOT NULL,
    purchases TEXT NOT NULL DEFAULT '0', waste TEXT NOT NULL DEFAULT '0',
    transfers_in TEXT NOT NULL DEFAULT '0', transfers_out TEXT NOT NULL DEFAULT '0',
    adjustments TEXT NOT NULL DEFAULT '0',
    counted_full_units TEXT NOT NULL DEFAULT '0', counted_partial_units TEXT NOT NULL DEFAULT '0');
CREATE TABLE movement (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES item(id),
    line_id INTEGER REFERENCES line(id) ON DELETE SET NULL,
    movement_type TEXT NOT NULL, quantity TEXT NOT NULL, timestamp TEXT NOT NULL);
CREATE INDEX line_by_stocktake ON line (stocktake_id);
"""

LINE_SELECT = """
SELECT line.*, item.sku, item.name AS item_name, item.category, item.uom, item.unit_cost,
       stocktake.hotel_id, stocktake.status
FROM line JOIN item ON item.id = line.item_id JOIN stocktake ON stocktake.id = line.stocktake_id
"""
STOCKTAKE_SELECT = """
SELECT stocktake.*, (SELECT COUNT(*) FROM line WHERE line.stocktake_id = stocktake.id) AS line_count
FROM stocktake
"""
MOVEMENT_COLUMNS = {
    "PURCHASE": "purchases",
    "WASTE": "waste",
    "TRANSFER_IN": "transfers_in",
    "TRANSFER_OUT": "transfers_out",
    "ADJUSTMENT": "adjustments",
}


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Store:
    def __init__(self, path: Path, hotels: tuple[Hotel, ...]) -> None:
        self.path = path
        self._writer = _connect(path)
        self._writer.execute("PRAGMA journal_mode = WAL")
        self._local = threading.local()
        self._write_lock = threading.Lock()
        if not self._writer.execute("SELECT name FROM sqlite_master WHERE name = 'hotel'").fetchone():
            self._writer.executescript(SCHEMA)
            self._seed(hotels)

    def _seed(self, hotels: tuple[Hotel, ...]) -> None:
        with self.write() as db:
            for hotel in hotels:
                hotel_id = db.execute(
                    "INSERT INTO hotel (slug, name) VALUES (?, ?)", (hotel.slug, hotel.name)
                ).lastrowid
                db.executemany(
                    "INSERT INTO staff (hotel_id, name, token) VALUES (?, ?, ?)",
                    [(hotel_id, s.name, s.token) for s in hotel.staff],
                )
                db.executemany(
                    "INSERT INTO item (hotel_id, sku, name, category, uom, unit_cost, opening_qty, current_qty) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (hotel_id, i.sku, i.name, i.category, str(i.uom), str(i.unit_cost), *[str(i.opening_qty)] * 2)
                        for i in hotel.items
                    ],
                )

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _connect(self.path)
        return conn

    def one(self, sql: str, args: tuple[Any, ...] = (), db: sqlite3.Connection | None = None) -> Row | None:
        row = (db or self._reader()).execute(sql, args).fetchone()
        return dict(row) if row is not None else None

    def all(self, sql: str, args: tuple[Any, ...] = (), db: sqlite3.Connection | None = None) -> list[Row]:
        return [dict(r) for r in (db or self._reader()).execute(sql, args).fetchall()]

    def staff(self, token: str) -> Row | None:
        return self.one(
            "SELECT staff.*, hotel.slug FROM staff JOIN hotel ON hotel.id = staff.hotel_id WHERE token = ?", (token,)
        )

    def hotel(self, slug: str) -> Row | None:
        return self.one("SELECT * FROM hotel WHERE slug = ?", (slug,))

    def stocktake(self, stocktake_id: int, db: sqlite3.Connection | None = None) -> Row | None:
        return self.one(STOCKTAKE_SELECT + " WHERE stocktake.id = ?", (stocktake_id,), db)

    def stocktakes(self, hotel_id: int) -> list[Row]:
        return self.all(STOCKTAKE_SELECT + " WHERE hotel_id = ? ORDER BY id DESC", (hotel_id,))

    def line(self, line_id: int, db: sqlite3.Connection | None = None) -> Row | None:
        return self.one(LINE_SELECT + " WHERE line.id = ?", (line_id,), db)

    def lines(self, stocktake_id: int, db: sqlite3.Connection | None = None) -> list[Row]:
        return self.all(LINE_SELECT + " WHERE line.stocktake_id = ? ORDER BY line.id", (stocktake_id,), db)

    def items(self, hotel_id: int) -> list[Row]:
        return self.all("SELECT * FROM item WHERE hotel_id = ? ORDER BY id", (hotel_id,))

    def movements(self, line_id: int) -> list[Row]:
        return self.all("SELECT * FROM movement WHERE line_id = ? ORDER BY id", (line_id,))

    def item_movements(self, hotel_id: int, item_id: int | None) -> list[Row]:
        """A hotel's movements (of one item): they belong to the item, and outlive the stocktake."""
        query = "SELECT movement.* FROM movement JOIN item ON item.id = movement.item_id WHERE item.hotel_id = ?"
        if item_id is None:
            return self.all(query + " ORDER BY movement.id", (hotel_id,))
        return self.all(query + " AND movement.item_id = ? ORDER BY movement.id", (hotel_id, item_id))

    def hotels(self) -> list[Row]:
        return self.all("SELECT * FROM hotel ORDER BY id")

    def tokens(self, hotel_id: int) -> list[str]:
        return [r["token"] for r in self.all("SELECT token FROM staff WHERE hotel_id = ? ORDER BY id", (hotel_id,))]
