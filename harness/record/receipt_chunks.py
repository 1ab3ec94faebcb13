"""Receipts on disk as columns: each writer process's receipts in Parquet chunk files, zstd-compressed.

Receipts are nearly all of a run's record, and a receipt is a handful of short fields. Kept as
column lists and written as Parquet every CHUNK_RECEIPTS receipts (or CHUNK_S after a chunk's first,
so a killed run loses seconds, not a chunk), they cost a few bytes each and read back as columns
(`receipt_table.load_receipts`) without a Python object per receipt. Chunk files lie under
`receipts/` beside the history, named after it (`receipts/<history>.<n>.parquet`, with
`history` the file's name without `.jsonl[.zst]`), and the history names each chunk as it starts
(`{"rec": "chunk", "file": ...}`), before its receipts: a chunk named and missing is a lost one,
and a moved run folder still finds its chunks.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .records import Observation

RECEIPTS_DIR = "receipts"
CHUNK_RECEIPTS = 65_536
CHUNK_S = 5.0
CHUNK_SCHEMA = {
    "listener": pl.String,
    "socket_id": pl.String,
    "channel": pl.String,
    "event": pl.String,
    "text": pl.String,
    "time": pl.Float64,
}
"""A chunk's columns. A receipt's order of writing is its row's, across its writer's chunks in order:
`load_receipts` numbers it (`seq`). Written out, that count cost most of a chunk's bytes (no delta
encoding in polars' Parquet writer: bench/receipt_columns.py)."""
CorruptChunk = (pl.exceptions.PolarsError, OSError)


def chunk_prefix(history: Path) -> str:
    """The history's file name without `.jsonl` or `.jsonl.zst`: what its chunks are named after."""
    name = history.name
    for suffix in (".zst", ".jsonl"):
        name = name.removesuffix(suffix)
    return name


def append_receipt(columns: dict[str, list[object]], obs: Observation, text: object) -> None:
    """`obs` as one more row of `CHUNK_SCHEMA`'s columns, its data as `text`: what a chunk holds and
    what a reader gathers of the receipts in a file's own lines, alike."""
    columns["listener"].append(obs.listener)
    columns["socket_id"].append(obs.socket_id)
    columns["channel"].append(obs.channel)
    columns["event"].append(obs.event)
    columns["text"].append(text)
    columns["time"].append(obs.time)


@dataclass
class ReceiptChunks:
    """One writer's receipts, buffered as columns and written a chunk at a time. Not thread-safe:
    `History` calls it under its own lock."""

    history: Path
    started: float | None = None  # when the buffered chunk got its first receipt
    first: float = 0.0  # that receipt's time
    chunks: int = 0  # chunk files started (each named in the history)
    written: int = 0  # receipts in chunk files on disk
    columns: dict[str, list[object]] = field(default_factory=lambda: {name: [] for name in CHUNK_SCHEMA})

    def add(self, obs: Observation) -> str | None:
        """Take one receipt (its data a str: the event text as received); the name of the chunk file
        it starts, if it starts one (for the history to name before anything else is written)."""
        starts = self.started is None
        if starts:
            self.started, self.first = time.monotonic(), obs.time
            self.chunks += 1
        append_receipt(self.columns, obs, obs.data)
        return self.name(self.chunks) if starts else None

    def on_disk_before(self) -> float | None:
        """The moment before which every receipt taken is in a chunk file (None: every one is)."""
        if self.started is None:
            return None
        return min(self.started, self.first)

    def name(self, number: int) -> str:
        return f"{RECEIPTS_DIR}/{chunk_prefix(self.history)}.{number:06d}.parquet"

    def due(self, now: float) -> bool:
        return self.started is not None and (
            len(self.columns["time"]) >= CHUNK_RECEIPTS or now - self.started >= CHUNK_S
        )

    def write(self) -> None:
        """The buffered chunk to its file, whole or not at all (written aside, then renamed)."""
        if self.started is None:
            return
        path = self.history.parent / self.name(self.chunks)
        path.parent.mkdir(exist_ok=True)
        frame = pl.DataFrame(self.columns, schema=CHUNK_SCHEMA)
        aside = path.with_name(f".{path.name}.writing")
        try:
            frame.write_parquet(aside, compression="zstd")
        except pl.exceptions.PolarsError as exc:
            raise OSError(str(exc)) from exc
        os.replace(aside, path)
        self.written += frame.height
        self.columns = {name: [] for name in CHUNK_SCHEMA}
        self.started = None


def chunk_path(folder: Path | None, name: str) -> Path:
    """Where a chunk a history names lies: only a file directly under receipts/ beside it is taken."""
    if folder is None:
        raise ValueError(f"it names its receipts chunk {name!r}, which is read only from the folder beside it")
    if Path(name).parent != Path(RECEIPTS_DIR) or Path(name).name in ("", ".", ".."):
        raise ValueError(f"its receipts chunk {name!r} is not a file under {RECEIPTS_DIR}/ beside it")
    return folder / name


def read_chunk(path: Path) -> pl.DataFrame:
    """One chunk file, in the schema; a torn or foreign file raises one of `CorruptChunk` (and one that
    is not a regular file is not opened: a FIFO would hang the reader)."""
    if path.exists() and not path.is_file():
        raise OSError(f"{path.name} is not a regular file")
    frame = pl.read_parquet(path)
    if dict(frame.schema) != CHUNK_SCHEMA:
        raise OSError(f"columns {dict(frame.schema)} are not a receipts chunk's")
    return frame
