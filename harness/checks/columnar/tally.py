"""The report's tally of receipts (`ReceiptTally`) from a frame of them, without a call per receipt:
the slot width a tally would have widened to is found first, and each listener's receipts are
counted per slot by a group_by, each slot added once at its middle. Frames of disjoint listeners
(`shares.py`) are counted into one tally begun with the first and last time of them all."""

from __future__ import annotations

import polars as pl

from ...record.records import SLOTS, ReceiptTally


def tally_of(receipts: pl.DataFrame, origin: float) -> ReceiptTally:
    times = receipts.get_column("time")
    if times.is_empty():
        return ReceiptTally(origin)
    tally = begun_tally(origin, float(times.min()), float(times.max()))  # type: ignore[arg-type]
    counted_into(tally, receipts)
    return tally


def begun_tally(origin: float, first: float, last: float) -> ReceiptTally:
    """An empty tally as wide as receipts from `first` to `last` make it."""
    tally = ReceiptTally(origin)
    tally.origin = start = min(origin, first)
    while int((last - start) / tally.width) >= SLOTS:
        tally.width *= 2
    tally.first, tally.last = first, last
    return tally


def counted_into(tally: ReceiptTally, receipts: pl.DataFrame) -> None:
    """`receipts`, all within the times `tally` was begun with (`begun_tally`), counted into it."""
    first, last, start = tally.first, tally.last, tally.origin
    slot = ((pl.col("time") - start) / tally.width).floor().clip(0, SLOTS - 1).cast(pl.Int64).alias("slot")
    for listener, at, n in receipts.group_by("listener", slot).len().sort("slot").iter_rows():
        tally.add(listener, start + (at + 0.5) * tally.width, n)
    tally.first, tally.last = first, last
