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

__all__ = ["SCHEMA", "load_receipts"]

_decode = msgspec.json.Decoder().decode
SCHEMA = {**CHUNK_SCHEMA, "seq": pl.UInt32}


def load_receipts(path: Path) -> pl.DataFrame:
    """Every receipt of the history at `path` and of its parts: listener, socket_id, channel, event,
    text (the event data as received), time (the history's clock, as its other records) and seq (the
    order its writer wrote it in, among those read). Each writer's receipts are in their order of
    writing; sort by time for the run's."""
    frames = []
    for file in [path.name, *parts_of(path)]:
        inline, chunks = _file_receipts(path.parent, file)
        try:
            writer = pl.concat([*_chunks(path.parent, chunks), inline], how="vertical")
        except ValueError as exc:
            raise HistoryFormatError(f"{path}: {exc}") from None
        frames.append(writer.with_columns(seq=pl.int_range(pl.len(), dtype=pl.UInt32)))
    return pl.concat(frames, how="vertical")


def _file_receipts(folder: Path, file: str) -> tuple[pl.DataFrame, list[str]]:
    """One file's receipts written into it, as columns, and the chunks it names."""
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
