"""The core per-receipt rule as polars array operations (see `bench.columnar` for the rule)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from harness.checks.stream import GRACE_S

from .layout import BITS, TABLES, check_fits

COPY = ["op", "listener", "channel", "event"]
FLAGS = ["deliver", "echo", "alive"]


def read(folder: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(folder / f"{name}.parquet") for name in TABLES}


def read_ipc(folder: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_ipc(folder / f"{name}.arrow") for name in TABLES}


def _key() -> pl.Expr:
    """(listener, channel, event, thing) packed in one u64 (`layout.BITS`)."""
    key, shift = pl.lit(0, pl.UInt64), 0
    for name, bits in reversed(BITS.items()):
        key = key + pl.col(name).cast(pl.UInt64) * (1 << shift)
        shift += bits
    return key.alias("g")


def _largest(tables: dict[str, pl.DataFrame]) -> dict[str, int | None]:
    """The largest id of each kind the key packs, over every table that has it."""
    return {name: max(int(t[name].max() or 0) for t in tables.values() if name in t.columns) for name in BITS}


def _owed(tables: dict[str, pl.DataFrame], limit: float, quiesced: float) -> pl.LazyFrame:
    """Each (write, listener) the write owes: a listener subscribed to its channel by its invoke.
    Its role: `deliver` if a subscription of another connection covered the whole window, `echo`
    if only the writer's own did, `gap` if one begun by the invoke ended inside the window. A
    listener with one subscription to the channel (the usual case) needs no grouping."""
    writes = (
        tables["writes"]
        .lazy()
        .filter(pl.col("invoke") < quiesced)
        .with_columns(window_end=pl.min_horizontal(pl.col("complete") + limit, pl.lit(quiesced)))
    )
    subs = tables["subs"].lazy().with_columns(n=pl.len().over("listener", "channel"))
    covering = pl.col("end") >= pl.col("window_end")
    own = pl.col("socket").is_not_null() & (pl.col("socket") == pl.col("socket_right")).fill_null(False)
    joined = (
        writes.join(subs, on="channel")
        .filter(pl.col("start") <= pl.col("invoke"))
        .with_columns(deliver=covering & ~own, echo=covering & own, alive=pl.col("end") > pl.col("invoke"))
    )
    kept = [*COPY, "invoke", "complete", "window_end", "thing"]
    several = joined.filter(pl.col("n") > 1).group_by(kept).agg(pl.col(FLAGS).any())
    return (
        pl.concat([joined.filter(pl.col("n") == 1).select(*kept, *FLAGS), several.select(*kept, *FLAGS)])
        .with_columns(
            role=pl.when("deliver")
            .then(pl.lit("deliver"))
            .when("echo")
            .then(pl.lit("echo"))
            .when("alive")
            .then(pl.lit("gap"))
            .otherwise(pl.lit(None, pl.String))
        )
        .filter(pl.col("role").is_not_null())
        .with_row_index("o")
        .with_columns(_key())
    )


def _ranked(frame: pl.LazyFrame, order: list[str]) -> pl.LazyFrame:
    """`k`: each row's rank (from 0) within its key `g`, by `order`. Almost every key holds one row
    (one write's copy to one listener): only the others are sorted and counted, then joined back."""
    index = pl.int_range(pl.len(), dtype=pl.UInt32)
    start = pl.when(pl.col("g").rle_id().diff().fill_null(1) != 0).then(index).forward_fill()
    frame = frame.with_columns(n=pl.len().over("g"))
    ranks = frame.filter(pl.col("n") > 1).sort("g", *order).select(order[-1], k=index - start)
    return frame.join(ranks, on=order[-1], how="left").with_columns(k=pl.col("k").fill_null(0))


def rule(tables: dict[str, pl.DataFrame], limit: float, quiesced: float) -> dict[str, int]:
    """The receipts are numbered in arrival order (`seq`: a stable sort by time, so ties keep the
    file's order, as the checker's); joins then need not keep any order (keeping it cost 3 x)."""
    check_fits(_largest(tables))
    owed = _owed(tables, limit, quiesced).collect().lazy()
    matchable = _ranked(owed.filter(pl.col("role") != "echo"), ["invoke", "o"])
    payloads = tables["payloads"].lazy().select("payload", "line", "thing")
    arrived = (
        tables["receipts"]
        .lazy()
        .sort("t", maintain_order=True)
        .with_row_index("seq")
        .join(payloads, on="payload", how="left")
        .with_columns(_key())
    )
    in_time = pl.col("invoke").le(pl.col("t")) & pl.col("t").le(pl.col("window_end") + GRACE_S)
    received = (
        _ranked(arrived, ["seq"])
        .join(matchable.select("g", "k", "o", "invoke", "complete", "window_end"), on=["g", "k"], how="left")
        .with_columns(
            matched=pl.col("o").is_not_null() & in_time,
            duplicate=(pl.col("k") > 0) & (pl.col("o").is_null() | (pl.col("invoke") > pl.col("t"))),
        )
        .collect()
    )
    delivered = received.filter("matched")
    ordered = (
        delivered.filter(pl.col("line").is_not_null())
        .sort("seq")
        .select(out_of_order=(pl.col("complete") < pl.col("invoke").cum_max().shift(1).over("listener", "line")).sum())
    )
    deliver = owed.filter(pl.col("role") == "deliver")
    missing = deliver.filter(~pl.col("o").is_in(delivered["o"].implode()))
    owed_count, missing_count = pl.collect_all([deliver.select(pl.len()), missing.select(pl.len())])
    return {
        "receipts": received.height,
        "matched": delivered.height,
        "missing-event": int(missing_count.item()),
        "duplicate-event": int(received["duplicate"].sum()),
        "late-event": delivered.filter(pl.col("t") - pl.col("invoke") > limit).height,
        "out-of-order": int(ordered.item()),
        "judged missing-event": int(owed_count.item()),
        "judged duplicate-event": received.height,
        "judged late-event": delivered.height,
        "judged out-of-order": int(delivered["line"].is_not_null().sum()),
    }
