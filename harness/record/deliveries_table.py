"""A run's deliveries table on disk: each delivery its check judged (`checks.deliveries.SCHEMA`), as
Parquet (zstd) under `deliveries/` in the folder that gets the run's reports, for polars or DuckDB
(`deliveries/*.parquet`, README).

The table is the check's, not the run's: checking the folder again (another latency limit, another
contract) may judge otherwise, so each check writes it anew and first removes the files an earlier
check left. A check that holds every delivery writes one file; a large history's readers each write
theirs a batch at a time as they judge (`<history>.<share>.<n>.parquet`), so none holds them all.
Each file is written under a temporary name and renamed: a file the table's glob finds is whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .receipt_chunks import chunk_prefix

DELIVERIES_DIR = "deliveries"


@dataclass(frozen=True)
class DeliveriesTable:
    """The table in `folder`, its files named after `name` (the history's, as its receipts chunks)."""

    folder: Path
    name: str

    @classmethod
    def beside(cls, history: Path) -> DeliveriesTable:
        """The table of the history at `history`, in its folder."""
        return cls(history.parent, chunk_prefix(history))

    @property
    def directory(self) -> Path:
        return self.folder / DELIVERIES_DIR

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.parquet"))

    def clear(self) -> None:
        """No file of an earlier check is left to be read as this one's."""
        for file in self.files():
            file.unlink()

    def writer(self, share: int) -> TableWriter:
        """Where one reader's batches go (`checks.deliveries.Spill`)."""
        return TableWriter(self, share)

    def write(self, frame: pl.DataFrame) -> None:
        """Every delivery of a check that held them all, as one file."""
        self.writer(0)(frame)


@dataclass
class TableWriter:
    """One reader's files of the table, numbered as they are written."""

    table: DeliveriesTable
    share: int
    written: int = 0

    def __call__(self, frame: pl.DataFrame) -> None:
        directory = self.table.directory
        directory.mkdir(parents=True, exist_ok=True)
        final = directory / f"{self.table.name}.{self.share}.{self.written}.parquet"
        partial = final.with_name(f".{final.name}.partial")
        frame.write_parquet(partial, compression="zstd")
        os.replace(partial, final)
        self.written += 1
