"""A history file's chunked receipts handed out in time order with its other records.

A chunk is named in the history as it starts (`receipt_chunks`), before the records written while it
filled: from its name on, each of the file's records at time t is preceded by the chunk's receipts
up to t, and the chunk's rest goes out before the next chunk, a segment, or the file's end. So a
reader gets the file's records in the order they happened, as when receipts were lines of it (the
streamed check, `checks.streamed`, needs each stream's records in time order), holding one chunk's
columns at a time, never the run's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from .receipt_chunks import CorruptChunk, chunk_path, read_chunk
from .records import Observation, Wholeness

_NOTHING: tuple[list[Any], ...] = ([], [], [], [], [], [])


class ReceiptMerge:
    """One file's chunks (`file`, as wholeness names it), read from `folder`. `keep`: where each
    receipt goes; `listeners`: whose receipts to hand out (the others' cost no object)."""

    def __init__(
        self,
        folder: Path | None,
        file: str,
        keep: Callable[[Observation], object],
        listeners: Callable[[str | None], bool] | None,
        wholeness: Wholeness,
    ) -> None:
        self.folder, self.file, self.keep, self.listeners, self.wholeness = folder, file, keep, listeners, wholeness
        self.named = 0
        self.read = 0  # receipts in the chunks read, everyone's
        self._columns = _NOTHING
        self._next = 0
        self._missing: str | None = None  # the latest chunk named and not there: a killed writer's last
        self.lost = 0  # chunks said lost: their receipts are not counted missing again

    def start(self, name: str) -> pl.DataFrame | None:
        """A chunk named by the file: the one before it is done. The chunk as read, every receipt of it;
        None if it is missing, cut or damaged."""
        self.finish()
        self._missed()
        self.named += 1
        self.wholeness.chunks.append(name)
        path = chunk_path(self.folder, name)
        try:
            frame = read_chunk(path)
        except FileNotFoundError:
            self._missing = name
            return None
        except CorruptChunk as exc:
            self._lost(f"its receipts chunk {name} is cut or damaged ({type(exc).__name__}), so the receipts "
                       "in it were not read")  # fmt: skip
            return None
        self.read += frame.height
        handed = frame
        if self.listeners is not None:
            mine = [who for who in frame["listener"].unique().to_list() if self.listeners(who)]
            handed = frame.filter(frame["listener"].is_in(mine))
        self._columns = tuple(handed[name].to_list() for name in ("time", "listener", "socket_id", "channel",
                                                                  "event", "text"))  # fmt: skip
        self._next = 0
        return frame

    def _lost(self, reason: str) -> None:
        self.lost += 1
        self.wholeness.problems.append(reason)

    def _missed(self) -> None:
        """A missing chunk with another after it, or in a file that ended, was lost; the last one of a
        file with no end record is the chunk its killed writer had not yet written (that kill is said)."""
        if self._missing is not None:
            self._lost(f"its receipts chunk {self._missing} is named but missing, so the receipts in it were not read")
            self._missing = None

    def until(self, t: float) -> None:
        """Every receipt of the chunk up to time `t`, before a record of the file at `t`."""
        times = self._columns[0]
        if self._next < len(times) and times[self._next] <= t:
            end = self._next
            while end < len(times) and times[end] <= t:
                end += 1
            self._hand(end)

    def finish(self) -> None:
        self._hand(len(self._columns[0]))
        self._columns, self._next = _NOTHING, 0

    def _hand(self, end: int) -> None:
        times, listeners, sockets, channels, events, texts = self._columns
        keep = self.keep
        for i in range(self._next, end):
            keep(Observation("receipt", times[i], listeners[i], sockets[i], channels[i], events[i], texts[i]))
        self._next = end

    def ended(self, record: dict[str, Any]) -> None:
        """The file's end record counts its chunks and their receipts: fewer read is a loss, unless a
        lost chunk already says so (one cause, one reason)."""
        chunks, chunked = record.get("chunks"), record.get("chunked")
        self.finish()
        self._missed()
        if isinstance(chunks, int) and chunks != self.named:
            self._lost(f"{self.file} names {self.named} of the {chunks} receipts chunks its end record counts, "
                       "so the receipts in the others were not read")  # fmt: skip
        elif isinstance(chunked, int) and chunked > self.read and not self.lost:
            self._lost(f"{self.file} recorded {chunked} receipts in chunks but {self.read} were read, so the "
                       "others are lost")  # fmt: skip
