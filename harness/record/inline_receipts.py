"""The receipts a history's files hold in their own lines, gathered as columns by the pass that reads
the files' other records (`history_read.load`): a reader that takes the receipts as a frame
(`receipt_table`) then reads each file once, not once for its receipts and again for the rest.

A run of today writes only a few receipts into its files (one whose data was not text); an older
run's file holds them all, and a reader with a bound (`most`) stops at it: such a file is read as a
stream instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import polars as pl

from .receipt_chunks import CHUNK_SCHEMA, append_receipt
from .records import Observation


class TooManyInline(Exception):
    """More receipts in the files' lines than the reader would hold."""


@dataclass
class FileReceipts:
    """One file's (one writer's): the chunks it names, in order, and the receipts in its lines."""

    file: str
    chunks: list[str] = field(default_factory=list)
    columns: dict[str, list[object]] = field(default_factory=lambda: {name: [] for name in CHUNK_SCHEMA})
    read: list[pl.DataFrame] | None = None  # its chunks as the pass read them, if kept and every one was read


@dataclass
class InlineReceipts:
    most: int | None = None  # receipts in lines at most, over every file (None: no bound)
    keep: bool = False  # keep the chunks the pass reads (`ReceiptMerge` reads each whole), for a frame of them all
    files: list[FileReceipts] = field(default_factory=list)
    held: int = 0

    def begin(self, file: str) -> None:
        self.files.append(FileReceipts(file, read=[] if self.keep else None))

    def chunk(self, name: str, read: pl.DataFrame | None) -> None:
        """A chunk the file names, and what the pass read of it (None: missing, or cut or damaged)."""
        file = self.files[-1]
        file.chunks.append(name)
        if file.read is not None:
            file.read = None if read is None else [*file.read, read]

    def add(self, obs: Observation) -> None:
        """A receipt of the file's own lines, its data as the checks read it (a text)."""
        self.held += 1
        if self.most is not None and self.held > self.most:
            raise TooManyInline(f"more than {self.most} receipts in the history's lines")
        append_receipt(self.files[-1].columns, obs, obs.data if isinstance(obs.data, str) else json.dumps(obs.data))
