"""The final check of a history with more receipts than one frame holds, recorded as columns (an
hour-long run's): its listeners judged by the columnar engine a share at a time
(`checks.columnar.shares`), each share's receipts read back from a spill file the chunks were split
into in one pass (`receipt_spill`), the file's other records read once.

The receipts are first counted per listener (reading only names and times), which splits the
listeners into shares of at most SHARE_MOST receipts and begins the tally. A history this cannot take
gives None, and is read as a stream as before (`check_file`): receipts written into the file
itself beyond INLINE_MOST (an older run's), a chunk cut, damaged or misnamed (or a spill file that
cannot be written), or a listening record of no listener (`shares.shareable`).
"""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from .checks.columnar.engine import Judge
from .checks.columnar.shares import accelerated_shares, shareable, shares_of
from .checks.columnar.tally import begun_tally, counted_into
from .checks.columnar.texts import Texts
from .checks.parts import Part
from .record.deliveries_table import DeliveriesTable
from .record.history import HistoryData
from .record.receipt_chunks import CorruptChunk
from .record.receipt_spill import spilled_shares
from .record.receipt_table import read_with_writers
from .record.records import ReceiptTally
from .spec.contract import Contract

SHARE_MOST = 500_000
"""Receipts in one share's frame at most (but a listener's with more, alone): the engine's joins over
a frame hold several times its receipts, so a share of more would take more memory than the goal's
gigabyte; shares of fewer, more pieces in the spill file and more per-share work."""
ROUND_MOST = SHARE_MOST // 4
"""Receipts read from the chunks at a time while they are split into shares (`receipt_spill`). A round
holds its texts, as the shares' frames do not (their ids in their place), and each receipt's hash and
the text read for it, to tell texts apart: a round of a share's receipts would take more than a share,
and the pass would set the check's peak. Apart from SHARE_MOST, so that shares of a few receipts do
not read the chunks a few receipts at a time."""
INLINE_MOST = 250_000
"""Receipts written into the files themselves (not chunks) held as one frame beside the shares: a
run of today writes only a few there, an older run all of them."""


def check_in_shares(
    path: Path, meta: dict[str, Any], contract: Contract, limit_s: float, deliveries: DeliveriesTable | None = None
) -> tuple[HistoryData, Part] | None:
    """The history at `path` without its receipts (`HistoryData.tally` counts them), and its
    listeners' part; None if it cannot be judged in shares. `deliveries`: the table each share's
    deliveries are written into as it is judged."""
    read = read_with_writers(path, HistoryData(dict(meta)), INLINE_MOST)
    if read is None:
        return None
    light, writers = read
    try:
        receipts = pl.concat([writer.scan() for writer in writers], how="vertical")
        counts = receipts.group_by("listener").agg(
            pl.len().alias("n"), pl.col("time").min().alias("first"), pl.col("time").max().alias("last")
        ).collect()  # fmt: skip
    except (ValueError, *CorruptChunk):
        return None
    if counts.get_column("listener").null_count():
        return None  # a receipt of no listener: every share would take it (`parts.split`)
    if not shareable(light):
        return None
    per_listener = {o.listener: 0 for o in light.observations if o.listener is not None}
    per_listener.update(zip(counts.get_column("listener"), counts.get_column("n"), strict=True))
    shares = shares_of(per_listener, SHARE_MOST)
    tally = _tally(counts, float(meta.get("time_origin") or 0.0))
    judge = Judge(contract, limit_s, deliveries is not None)
    with contextlib.ExitStack() as spilling:
        try:
            told = partial(_told, judge.texts)
            spilled = spilling.enter_context(spilled_shares(receipts, shares, path.parent, ROUND_MOST, told))
        except (*CorruptChunk, _Untold):
            return None  # no share judged yet: the chunks are all read before the first

        def frame_of(number: int) -> pl.DataFrame:
            frame = spilled.frame(number)
            counted_into(tally, frame)
            return frame

        spill = None if deliveries is None else deliveries.writer(0)
        part = accelerated_shares(light, shares, frame_of, judge, spill)
    light.tally = tally
    return light, part


class _Untold(Exception):
    """Two texts share a hash: the receipts cannot be spilled with their texts' ids."""


def _told(texts: Texts, round_: pl.DataFrame) -> pl.DataFrame:
    """A round as spilled: each text read once, as it is first met, and kept as its id."""
    told = texts.told(round_)
    if told is None:
        raise _Untold
    return told


def _tally(counts: pl.DataFrame, origin: float) -> ReceiptTally:
    """Begun as wide as every receipt makes it, for each share's to be counted into."""
    if counts.is_empty():
        return ReceiptTally(origin)
    first, last = counts.get_column("first").min(), counts.get_column("last").max()
    return begun_tally(origin, float(first), float(last))  # type: ignore[arg-type]
