"""A run's receipts as one polars DataFrame: for questions over millions of them (who got what, when).

`load_receipts` reads the history's receipts chunks and its parts' (`receipt_chunks`) as columns,
never a Python object per receipt, in the chunks' schema. Receipts written into the file itself
(older runs, or a receipt whose data was not text) are converted on the way: those are few in a
run of today, and an older run's file is read line by line as `load` reads it. A chunk the history
names but that is missing or cut is left out: `load(path).wholeness` says what was lost.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import polars as pl

from ..errors import HistoryFormatError
from .history_file import part_file
from .history_meta import header, parts_of
from .history_read import typed_observation
from .receipt_chunks import CHUNK_SCHEMA, CorruptChunk, chunk_path, read_chunk
from .receipt_codec import ReceiptDecoder
from .records import Observation

__all__ = ["SCHEMA", "WriterReceipts", "load_receipts", "receipt_writers"]

_decode = msgspec.json.Decoder().decode
SCHEMA = {**CHUNK_SCHEMA, "seq": pl.UInt32}


def load_receipts(path: Path) -> pl.DataFrame:
    """Every receipt of the history at `path` and of its parts: listener, socket_id, channel, event,
    text (the event data as received), time (the history's clock, as its other records) and seq (the
    order its writer wrote it in, among those read). Each writer's receipts are in their order of
    writing; sort by time for the run's."""
    writers = receipt_writers(path)
    assert writers is not None
    return pl.concat([writer.frame() for writer in writers], how="vertical")


@dataclass
class WriterReceipts:
    """One writer's receipts (the history's or a part's): its chunks, and those written into its file."""

    history: Path
    chunks: list[str]  # as the file names them, in order
    inline: pl.DataFrame

    def frame(self) -> pl.DataFrame:
        """All of them, numbered (`seq`): the chunks there are, then the file's own."""
        try:
            writer = pl.concat([*_chunks(self.history.parent, self.chunks), self.inline], how="vertical")
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


def receipt_writers(path: Path, inline_most: int | None = None) -> list[WriterReceipts] | None:
    """The receipts of the history at `path` and of its parts, one writer each, without reading the
    chunks; None if the files hold more than `inline_most` receipts themselves (an older run's, which
    a frame would hold whole)."""
    writers = []
    for file in [path.name, *parts_of(path)]:
        found = _file_receipts(path.parent, file, inline_most)
        if found is None:
            return None
        inline, chunks = found
        writers.append(WriterReceipts(path, chunks, inline))
        if inline_most is not None:
            inline_most -= inline.height
    return writers


def _file_receipts(folder: Path, file: str, most: int | None) -> tuple[pl.DataFrame, list[str]] | None:
    """One file's receipts written into it, as columns, and the chunks it names; None past `most` of them."""
    columns: dict[str, list[object]] = {name: [] for name in CHUNK_SCHEMA}
    chunks: list[str] = []
    decoder, origin = ReceiptDecoder(), 0.0
    with part_file(folder, file) as lines:
        for number, line in enumerate(lines or (), 1):
            obs: Observation | None = None
            if line.startswith("["):
                obs = _compact(decoder, line, origin)
            elif (record := header(line, "chunk")) is not None:
                chunks.append(str(record["file"]))
            elif (record := header(line, "meta")) is not None:
                origin = float(record.get("time_origin", origin))
            elif '"receipt"' in line and (record := header(line, "obs")) is not None and record["kind"] == "receipt":
                obs = _observation(record, f"{file} line {number}")
            if obs is not None and obs.kind == "receipt":
                text = obs.data if isinstance(obs.data, str) else json.dumps(obs.data)  # as the checks read it
                for name, value in zip(CHUNK_SCHEMA, (obs.listener, obs.socket_id, obs.channel, obs.event, text,
                                                      obs.time), strict=True):  # fmt: skip
                    columns[name].append(value)
                if most is not None and len(columns["time"]) > most:
                    return None
    return pl.DataFrame(columns, schema=CHUNK_SCHEMA), chunks


def _observation(record: dict[str, Any], where: str) -> Observation:
    """A receipt written as a JSON object, its fields' types checked as `load` checks them."""
    try:
        return Observation(**typed_observation(record))
    except (TypeError, ValueError) as exc:
        raise HistoryFormatError(f"{where}: not a history record ({exc})") from None


def _compact(decoder: ReceiptDecoder, line: str, origin: float) -> Observation | None:
    """A compact record (`receipt_codec`); a cut last line is left for `load` to report."""
    try:
        record = _decode(line)
    except msgspec.DecodeError:
        return None
    return decoder.decode(record, origin) if isinstance(record, list) and record else None


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
