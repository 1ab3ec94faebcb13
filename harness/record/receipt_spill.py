"""A history's receipts split by share of listeners in one pass over its chunks, each share's read
back alone (`check_shares`): a filter on listener per share would read every chunk once a share, a
cost growing as the square of the history's receipts (docs/benchmarks.md).

The receipts stream from the chunks a round of at most `round_most` at a time (never more held);
each round, as the caller would have it spilled (`Told`: the checker's holds each text's id, not the
text, which a fan-out repeats for every listener it reached), has its rows of each share written as
an Arrow IPC stream (zstd) at the end of one spill file, whose spans are remembered. A share's frame
is its spans read back in order: its receipts as the chunks held them.

The spill file is anonymous (`tempfile.TemporaryFile`): no name in any folder, its space given
back when it is closed or the process ends, whatever ends it. It is made beside the history, on a
disk with room for its chunks (the spill takes about as much), and in the system's temporary folder
only if the history's cannot be written to (a run checked where it was archived read-only).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import polars as pl

__all__ = ["SpilledShares", "Told", "spilled_shares"]

Span = tuple[int, int]
"""Where one round's receipts of a share are in the spill file: its offset and length in bytes."""


@dataclass
class SpilledShares:
    """The receipts of each share (by its position in the shares) in `file`, in the order read."""

    file: IO[bytes]
    schema: pl.Schema
    spans: list[list[Span]] = field(default_factory=list)

    def frame(self, share: int) -> pl.DataFrame:
        """The share's receipts, none if its listeners had none."""
        pieces = [pl.read_ipc_stream(io.BytesIO(self._read(span))) for span in self.spans[share]]
        return pl.concat(pieces, how="vertical") if pieces else self.schema.to_frame()

    def _read(self, span: Span) -> bytes:
        offset, length = span
        self.file.seek(offset)
        return self.file.read(length)

    def write(self, round_: pl.DataFrame, share_of: pl.Expr) -> None:
        """One round's receipts appended, each share's as a piece of its own."""
        pieces = round_.with_columns(share_of.alias("_share")).partition_by("_share", as_dict=True, include_key=False)
        self.file.seek(0, io.SEEK_END)
        for (share,), piece in pieces.items():
            start = self.file.tell()
            piece.write_ipc_stream(self.file, compression="zstd")
            self.spans[share].append((start, self.file.tell() - start))


Told = Callable[[pl.DataFrame], pl.DataFrame]
"""What a round of receipts is spilled as, given it as read (the checker's: each text's id in place of
the text, `Texts.told`, a small share of the bytes to write and read back)."""


@contextlib.contextmanager
def spilled_shares(
    receipts: pl.LazyFrame, shares: list[list[str]], folder: Path, round_most: int, told: Told | None = None
) -> Iterator[SpilledShares]:
    """`receipts` split by `shares` (every listener in one of them) into a spill file beside `folder`,
    removed on leaving; read `round_most` at a time (one at least), each round spilled as `told` makes
    it (as read, if none). A chunk that is cut or damaged raises one of `CorruptChunk` here; what
    `told` raises is raised too."""
    index = {listener: number for number, share in enumerate(shares) for listener in share}
    share_of = pl.col("listener").replace_strict(index, return_dtype=pl.UInt32)
    schema = receipts.collect_schema()
    as_spilled = told or (lambda round_: round_)
    with _spill_file(folder) as file:
        spilled = SpilledShares(file, as_spilled(schema.to_frame()).schema, [[] for _ in shares])
        for round_ in receipts.collect_batches(chunk_size=max(round_most, 1)):
            spilled.write(as_spilled(round_), share_of)
        yield spilled


def _spill_file(folder: Path) -> IO[bytes]:
    """An anonymous file beside the history, or in the system's temporary folder if that is read-only."""
    try:
        return tempfile.TemporaryFile(dir=folder)
    except OSError:
        return tempfile.TemporaryFile()
