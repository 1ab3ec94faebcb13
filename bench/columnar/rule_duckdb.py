"""The core per-receipt rule as DuckDB SQL (see `bench.columnar` for the rule): the same steps as
`rule_polars`, one query, the tables read into DuckDB's own storage first."""

from __future__ import annotations

from pathlib import Path

import duckdb

from harness.checks.stream import GRACE_S

from .layout import BITS, TABLES, check_fits


def _packed() -> str:
    """(listener, channel, event, thing) in one integer, as `rule_polars` packs it (`layout.BITS`)."""
    parts, shift = [], 0
    for name, bits in reversed(BITS.items()):
        parts.append(f"({name}::UBIGINT << {shift})")
        shift += bits
    return " | ".join(parts)


KEY = _packed()

RULE = f"""
WITH w AS (
    SELECT *, least(complete + $limit, $quiesced) AS window_end FROM writes WHERE invoke < $quiesced
),
joined AS (
    SELECT w.op, s.listener, w.channel, w.event, w.invoke, w.complete, w.window_end, w.thing, s.n,
        s."end" >= w.window_end AND NOT coalesce(s.socket = w.socket, false) AS deliver,
        s."end" >= w.window_end AND coalesce(s.socket = w.socket, false) AS echo,
        s."end" > w.invoke AS alive
    FROM w JOIN (SELECT *, count(*) OVER (PARTITION BY listener, channel) AS n FROM subs) s
        ON s.channel = w.channel AND s.start <= w.invoke
),
flagged AS (
    SELECT * EXCLUDE (n) FROM joined WHERE n = 1
    UNION ALL
    SELECT op, listener, channel, event, invoke, complete, window_end, thing,
        bool_or(deliver), bool_or(echo), bool_or(alive)
    FROM joined WHERE n > 1 GROUP BY ALL
),
owed AS MATERIALIZED (
    SELECT *, row_number() OVER () AS o, {KEY} AS g,
        CASE WHEN deliver THEN 'deliver' WHEN echo THEN 'echo' WHEN alive THEN 'gap' END AS role
    FROM flagged WHERE deliver OR echo OR alive
),
matchable AS (
    SELECT o.*, coalesce(r.k, 1) AS k FROM owed o LEFT JOIN (
        SELECT o, row_number() OVER (PARTITION BY g ORDER BY invoke, o) AS k FROM owed
        WHERE role <> 'echo' AND g IN (SELECT g FROM owed WHERE role <> 'echo' GROUP BY g HAVING count(*) > 1)
    ) r USING (o) WHERE o.role <> 'echo'
),
arrived AS MATERIALIZED (
    SELECT r.*, p.line, p.thing, {KEY.replace("thing", "p.thing")} AS g
    FROM receipts r LEFT JOIN payloads p USING (payload)
),
received AS (
    SELECT a.*, coalesce(r.k, 1) AS k FROM arrived a LEFT JOIN (
        SELECT row, row_number() OVER (PARTITION BY g ORDER BY t, row) AS k FROM arrived
        WHERE g IN (SELECT g FROM arrived GROUP BY g HAVING count(*) > 1)
    ) r USING (row)
),
paired AS MATERIALIZED (
    SELECT r.t, r.row, r.listener, r.line, r.k, m.o, m.invoke, m.complete,
        m.o IS NOT NULL AND m.invoke <= r.t AND r.t <= m.window_end + {GRACE_S} AS matched,
        r.k > 1 AND (m.o IS NULL OR m.invoke > r.t) AS duplicate
    FROM received r LEFT JOIN matchable m ON r.g = m.g AND r.k = m.k
),
ordered AS (
    SELECT complete < max(invoke) OVER (PARTITION BY listener, line ORDER BY t, row) AS out_of_order
    FROM paired WHERE matched AND line IS NOT NULL
)
SELECT
    (SELECT count(*) FROM paired) AS receipts,
    (SELECT count(*) FILTER (matched) FROM paired) AS matched,
    (SELECT count(*) FROM owed WHERE role = 'deliver' AND o NOT IN (SELECT o FROM paired WHERE matched))
        AS "missing-event",
    (SELECT count(*) FILTER (duplicate) FROM paired) AS "duplicate-event",
    (SELECT count(*) FILTER (matched AND t - invoke > $limit) FROM paired) AS "late-event",
    (SELECT count(*) FILTER (out_of_order) FROM ordered) AS "out-of-order",
    (SELECT count(*) FROM owed WHERE role = 'deliver') AS "judged missing-event",
    (SELECT count(*) FROM paired) AS "judged duplicate-event",
    (SELECT count(*) FILTER (matched) FROM paired) AS "judged late-event",
    (SELECT count(*) FROM ordered) AS "judged out-of-order"
"""


def read(folder: Path) -> duckdb.DuckDBPyConnection:
    """The tables loaded into an in-memory database (DuckDB's own columns, not a view of the files)."""
    db = duckdb.connect()
    db.execute("SET enable_progress_bar = false")  # it draws on stdout past 2 s
    for name in TABLES:
        db.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(folder / f"{name}.parquet")])
    return db


def _largest(db: duckdb.DuckDBPyConnection) -> dict[str, int | None]:
    """The largest id of each kind the key packs, over every table that has it."""
    largest: dict[str, int | None] = dict.fromkeys(BITS, 0)
    for table in TABLES:
        columns = {c[0] for c in db.execute(f"SELECT * FROM {table} LIMIT 0").description or ()}
        for name in BITS.keys() & columns:
            found = db.execute(f"SELECT coalesce(max({name}), 0) FROM {table}").fetchone()
            largest[name] = max(largest[name] or 0, found[0] if found else 0)
    return largest


def rule(db: duckdb.DuckDBPyConnection, limit: float, quiesced: float) -> dict[str, int]:
    check_fits(_largest(db))
    found = db.execute(RULE, {"limit": limit, "quiesced": quiesced}).fetchone()
    assert found is not None and db.description is not None
    return {column[0]: int(value) for column, value in zip(db.description, found, strict=True)}
