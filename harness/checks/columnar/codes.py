"""Names as numbers: the listener, channel and event names the receipts hold, numbered, so that what
a copy is matched on, (listener, channel, event, thing), packs into one u64 `key` and the joins and
group-bys run on integers. A name no receipt holds (a write owed on a channel nobody got anything on)
has no number: its key is null, and nothing can match it."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

NAMES = {"listener": "l", "channel": "c", "event": "e"}
THING_BITS = 32


@dataclass
class Codes:
    values: dict[str, list[str]]  # column -> its names, each numbered by its place

    @classmethod
    def of(cls, receipts: pl.DataFrame) -> Codes | None:
        """None when the names are too many to pack with a thing in 64 bits."""
        values = {column: receipts.get_column(column).unique().sort().to_list() for column in NAMES}
        combinations = len(values["listener"]) * len(values["channel"]) * len(values["event"])
        return cls(values) if combinations < 2 ** (64 - THING_BITS) else None

    def numbered(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` with l, c, e: the numbers of its listener, channel and event names (null: unknown)."""
        present = [column for column in NAMES if column in frame.columns]
        return frame.with_columns(
            pl.col(column)
            .replace_strict(self.values[column], range(len(self.values[column])), default=None, return_dtype=pl.UInt64)
            .alias(NAMES[column])
            for column in present
        )

    def key(self) -> pl.Expr:
        """(l, c, e, thing) as one u64; null if any is."""
        channels, events = len(self.values["channel"]), len(self.values["event"])
        packed = (pl.col("l") * channels + pl.col("c")) * events + pl.col("e")
        return (packed * 2**THING_BITS + pl.col("thing").cast(pl.UInt64)).alias("key")
