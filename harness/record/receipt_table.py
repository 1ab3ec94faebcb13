"""A run's receipts as one polars DataFrame: for questions over millions of them (who got what, when).

`load_receipts` reads the history's receipts chunks and its parts' (`receipt_chunks`) as columns,
never a Python object per receipt, in the chunks' schema. Receipts written into the file itself
(older runs, or a receipt whose data was not text) are gathered as columns by `load`'s own pass over
the files (`read_with_writers`), so a check that reads the files' other records too reads each file
once: those are few in a run of today, all of an older run's. A chunk the history
names but that is missing or cut is left out: `load(path).wholeness` says what was lost.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..errors import HistoryFormatError
from .history_read import load
from .inline_receipts import InlineReceipts, TooManyInline
from .receipt_chunks import CHUNK_SCHEMA, CorruptChunk, chunk_path, read_chunk
from .records import HistoryData

__all__ = ["SCHEMA", "WriterReceipts", "load_receipts", "read_with_writers", "receipts_of"]

SCHEMA = {**CHUNK_SCHEMA, "seq": pl.UInt32}


def load_receipts(path: Path) -> pl.DataFrame:
    """Every receipt of the history at `path` and of its parts: listener, socket_id, channel, event,
    text (the event data as received), time (the history's clock, as its other records) and seq (the
    order its writer wrote it in, among those read). Each writer's receipts are in their order of
    writing; sort by time for the run's."""
    read = read_with_writers(path, HistoryData())
    assert read is not None, "no bound on the receipts in the files' lines"
    return receipts_of(read[1])


def receipts_of(writers: list[WriterReceipts]) -> pl.DataFrame:
    """Every writer's receipts as one frame, each numbered in its writer's order."""
    return pl.concat([writer.frame() for writer in writers], how="vertical")


@dataclass
class WriterReceipts:
    """One writer's receipts (the history's or a part's): its chunks, and those written into its file."""

    history: Path
    chunks: list[str]  # as the file names them, in order
    inline: pl.DataFrame
    read: list[pl.DataFrame] | None = None  # the chunks as the pass over the files read them, if each was

    def frame(self) -> pl.DataFrame:
        """All of them, numbered (`seq`): the chunks there are, then the file's own."""
        try:
            chunks = self.read if self.read is not None else _chunks(self.history.parent, self.chunks)
            writer = pl.concat([*chunks, self.inline], how="vertical")
        except ValueError as exc:
            raise HistoryFormatError(f"{self.history}: {exc}") from None
        return writer.with_columns(seq=pl.int_range(pl.len(), dtype=pl.UInt32))

    def scan(self) -> pl.LazyFrame:
        """The same numbered as a query, to read only some of them (a filter on listener reads the other
        columns only of the rows it keeps). Unlike `frame`, a chunk cut or damaged is not left out: the
        query raises one of `CorruptChunk` when collected; a misnamed chunk raises ValueError here."""
        paths = [chunk for chunk in (chunk_path(self.history.parent, name) for name in self.chunks) if chunk.is_file()]
        scans = [pl.scan_parquet(paths, schema=CHUNK_SCHEMA)] if paths else []
        together = pl.concat([*scans, self.inline.lazy()], how="vertical")
        return together.with_row_index("seq").select(*CHUNK_SCHEMA, pl.col("seq").cast(pl.UInt32))


def read_with_writers(
    path: Path, data: HistoryData, inline_most: int | None = None
) -> tuple[HistoryData, list[WriterReceipts]] | None:
    """The history at `path` read without its receipts (`load(..., receipts=False)`, into `data`), and
    its receipts' writers, found by the same pass: each file is read once. None past `inline_most`
    receipts in the files' lines. Unbounded, the reader takes every receipt as one frame (`frame`), so
    the chunks the pass reads whole (to count them) are kept for it, not read again; a bounded one (a
    check in shares) keeps none and reads a share of them at a time."""
    inline = InlineReceipts(inline_most, keep=inline_most is None)
    try:
        light = load(path, data=data, receipts=False, inline=inline)
    except TooManyInline:
        return None
    frames = [pl.DataFrame(file.columns, schema=CHUNK_SCHEMA) for file in inline.files]
    return light, [WriterReceipts(path, file.chunks, frame, file.read)
                   for file, frame in zip(inline.files, frames, strict=True)]  # fmt: skip


def _chunks(folder: Path, names: list[str]) -> list[pl.DataFrame]:
    """The chunks there are, read together; one at a time only if one of them is cut or damaged."""
    paths = [chunk_path(folder, name) for name in names]
    paths = [chunk for chunk in paths if chunk.is_file()]
    if not paths:
        return []
    try:
        return [pl.scan_parquet(paths, schema=CHUNK_SCHEMA).collect()]
    except CorruptChunk:
        frames = []
        for chunk in paths:
            with contextlib.suppress(*CorruptChunk):
                frames.append(read_chunk(chunk))
        return frames
