"""The report's tally of receipts (`ReceiptTally`) from a frame of them, without a call per receipt:
the slot width a tally would have widened to is found first, and each listener's receipts are
counted per slot by a group_by, each slot added once at its middle."""

from __future__ import annotations

import polars as pl

from ...record.records import SLOTS, ReceiptTally


def tally_of(receipts: pl.DataFrame, origin: float) -> ReceiptTally:
    tally = ReceiptTally(origin)
    times = receipts.get_column("time")
    if times.is_empty():
        return tally
    first, last = float(times.min()), float(times.max())  # type: ignore[arg-type]
    tally.origin = start = min(origin, first)
    while int((last - start) / tally.width) >= SLOTS:
        tally.width *= 2
    slot = ((pl.col("time") - start) / tally.width).floor().clip(0, SLOTS - 1).cast(pl.Int64).alias("slot")
    for listener, at, n in receipts.group_by("listener", slot).len().sort("slot").iter_rows():
        tally.add(listener, start + (at + 0.5) * tally.width, n)
    tally.first, tally.last = first, last
    return tally
