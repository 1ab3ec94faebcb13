"""The record of a run: operations (invoke, then ok / fail / info) and observations.

Jepsen-style: an operation is invoked, then completes `ok` (2xx), `fail` (the server
answered no) or `info` (no answer: we do not know whether it happened). Observations
are what listeners and servers saw. Every record is appended to a JSONL file the moment
it happens, so a crashed run still leaves its evidence; `load` reads it back for
`stocksync check`. Receipts, the bulk of a record, are written as columns, in Parquet chunk files
the history names (`receipt_chunks`); snapshots compactly (`receipt_codec`); everything else is one
JSON object a line, and the file is compressed on the fly (`history_file`). Times are one host's
monotonic clock, in seconds. `history_read` reads it back.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .history_file import open_for_writing
from .history_read import load, parse, parts_of, read_meta
from .receipt_chunks import ReceiptChunks
from .receipt_codec import ReceiptEncoder
from .records import HistoryData, Observation, Operation, OperationTally, completion_record, fields_of, invoke_record

__all__ = [
    "FAILURE",
    "History",
    "HistoryData",
    "Observation",
    "Operation",
    "OperationTally",
    "load",
    "parse",
    "parts_of",
    "read_meta",
]

FLUSH_S = 0.1
FAILURE = "harness-failure"
"""The observation of the harness's own failure (a worker, a page, the recorder): the run is INCONCLUSIVE."""
BULK = ("receipt", "snapshot")  # what a run's history keeps on disk only


class History:
    """Append-only and thread-safe (gevent patches the lock under Locust)."""

    def __init__(
        self,
        path: Path | None = None,
        meta: dict[str, Any] | None = None,
        retain: bool = True,
        receipts: bool = True,
        operations: bool = True,
        columns: bool = True,
    ) -> None:
        """`retain=False` keeps nothing in memory, only on disk: a listener process's history, read back
        when its fleet stops, so the process stays the same size however long the run. `receipts=False`
        keeps everything but the bulk, receipts and snapshots (a page's lines, loaded again on every
        reconnect): a run's history, whose live check takes the receipts as they come
        (`follow`) and whose final check reads the file. `operations=False` keeps no operation
        either (a few KB each, with its request and answer): a run's, whose live check takes them as
        they come (`follow`) and folds each once settled, so its memory stays flat however long it
        plays; `tally` and `on_complete` tell the run what it needs of them.
        `columns=False` writes receipts into the file itself, compactly, as runs did before chunks
        (`receipt_chunks`): the older form every reader still takes.
        A history with no file keeps everything."""
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.data = HistoryData(meta=dict(meta or {}))
        self.tally = OperationTally()
        self.receipts = 0  # appended here (not a part's): a listener worker's status says it cheaply
        self._completed: list[Callable[[Operation], object]] = []
        self._file: IO[str] | None = None
        self._retain = retain
        self._keep_receipts = receipts or path is None
        self._keep_operations = retain and (operations or path is None)
        self._fresh: list[Observation] | None = None  # followed (`follow`): receipts not kept,
        self._fresh_ops: list[Operation] | None = None  # and every operation, until taken
        self._flushed = 0.0
        self._dirty = False
        self.path = path
        self.data.meta.setdefault("time_origin", time.monotonic())
        self._receipts = ReceiptEncoder(self.data.meta["time_origin"])
        self._chunks = ReceiptChunks(path) if path is not None and columns else None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open_for_writing(path)
            self._write({"rec": "meta", **self.data.meta})

    @staticmethod
    def now() -> float:
        return time.monotonic()

    def _write(self, record: dict[str, Any]) -> None:
        self._write_text(json.dumps(record, separators=(",", ":"), default=str) + "\n")

    def _write_text(self, text: str) -> None:
        """Flushed at least every FLUSH_S: a crash loses a fraction of a second, not the run (and the
        receipts of a chunk not yet due, CHUNK_S at most, however quiet the listeners since)."""
        if self._file is not None:
            try:
                self._file.write(text)
                self._dirty = True
                now = time.monotonic()
                if now - self._flushed > FLUSH_S:
                    self._file.flush()
                    self._flushed, self._dirty = now, False
                    if self._chunks is not None and self._chunks.due(now):
                        self._write_chunk()
            except OSError as exc:
                self._stopped(exc)

    def _stopped(self, exc: OSError) -> None:
        """The file cannot be written (a full disk): the recorder has stopped. Said in memory, as a
        harness failure, since the file cannot say it; the file, with no end record, is not whole."""
        assert self._file is not None
        with contextlib.suppress(OSError):
            self._file.close()
        self._file = None
        detail = f"writing {self.path} failed: {exc.strerror or exc}"
        self.data.observations.append(Observation(FAILURE, self.now(), data={"what": "history recorder",
                                                                             "detail": detail}))  # fmt: skip

    def flush(self) -> float:
        """What was recorded so far onto the disk now, if anything is waiting, but for a chunk of
        receipts not yet due (`receipt_chunks.CHUNK_S`); the moment before which everything recorded
        is on disk (a listener process does this with each status, so that what it recorded before it
        last said it was alive is there to read if it dies)."""
        with self._lock:
            chunks = self._chunks
            if chunks is not None and self._file is not None and chunks.due(time.monotonic()):
                self._write_chunk()
            if self._file is not None and self._dirty:
                try:
                    self._file.flush()
                    self._flushed, self._dirty = time.monotonic(), False
                except OSError as exc:
                    self._stopped(exc)
            buffered = None if chunks is None else chunks.on_disk_before()
            return self.now() if buffered is None else buffered

    def _write_chunk(self) -> None:
        assert self._chunks is not None
        try:
            self._chunks.write()
        except OSError as exc:
            self._stopped(exc)

    def invoke(
        self,
        actor: str,
        kind: str,
        hotel: str,
        request: dict[str, Any],
        socket_id: str | None,
        actor_hotel: str | None = None,
    ) -> Operation:
        with self._lock:
            op = Operation(next(self._ids), actor, kind, hotel, actor_hotel or hotel, request, socket_id, self.now())
            self._invoked(op)
        return op

    def complete(self, op: Operation, status: int | None, body: Any, error: str | None = None) -> Operation:
        with self._lock:
            op.complete = self.now()
            op.status, op.body, op.error = status, body, error
            op.type = "info" if status is None else ("ok" if 200 <= status < 300 else "fail")
            self._completed_now(op)
        self._tell(op)
        return op

    def add_operation(self, op: Operation) -> Operation:
        """An operation recorded elsewhere (a synthetic or merged history), kept with its own id and times."""
        with self._lock:
            self._invoked(op)
            if op.type != "invoke":
                self._completed_now(op)
        if op.type != "invoke":
            self._tell(op)
        return op

    def on_complete(self, watcher: Callable[[Operation], object]) -> None:
        """`watcher` is told of each operation as it completes (in the thread that completed it)."""
        self._completed.append(watcher)

    def _invoked(self, op: Operation) -> None:
        if self._keep_operations:
            self.data.operations.append(op)
        if self._fresh_ops is not None:
            self._fresh_ops.append(op)
        self.tally.invoked += 1
        self.tally.last = max(self.tally.last, op.invoke)
        self._write({"rec": "op", "type": "invoke", **invoke_record(op)})

    def _completed_now(self, op: Operation) -> None:
        self.tally.failed += op.failed
        self.tally.last = max(self.tally.last, op.complete or op.invoke)
        self._write(completion_record(op))

    def _tell(self, op: Operation) -> None:
        for watcher in self._completed:
            watcher(op)

    def observe(self, kind: str, **fields: Any) -> Observation:
        return self.append(Observation(kind, fields.pop("time", None) or self.now(), **fields))

    def append(self, obs: Observation, live: bool = True) -> Observation:
        """The receipt path calls this directly: thousands of listeners make it the hottest line.
        `live=False`: a record folded in after the fact (a listener process's), which the live check,
        long past its time, does not take."""
        with self._lock:
            self.receipts += obs.kind == "receipt"
            if self._retain and (self._keep_receipts or obs.kind not in BULK):
                self.data.observations.append(obs)
            elif self._fresh is not None and obs.kind == "receipt" and live:
                self._fresh.append(obs)
            if self._file is not None:
                if self._chunks is not None and obs.kind == "receipt" and isinstance(obs.data, str):
                    self._chunk(obs)
                elif (obs.kind == "receipt" and isinstance(obs.data, str)) or obs.kind == "snapshot":
                    self._write_text(self._receipts.encode(obs))
                else:
                    self._write({"rec": "obs", **fields_of(obs)})
        return obs

    def _chunk(self, obs: Observation) -> None:
        """A receipt into its chunk, the chunk named in the file as it starts and written when due."""
        assert self._chunks is not None
        started = self._chunks.add(obs)
        if started is not None:
            self._write({"rec": "chunk", "file": started})
        if self._chunks.due(time.monotonic()):
            self._write_chunk()

    @property
    def whole(self) -> bool:
        """Whether `data` is the whole record; if not, the file is (a run's keeps no receipts)."""
        return self._retain and self._keep_receipts and self._keep_operations

    def add_part(self, name: str, part: Path) -> None:
        """A file of records made elsewhere (a listener process's, `History(retain=False)`) is part of
        this history: read after its own records as a segment (`begin_segment`), never copied in. Named
        when the part is created, so that a run killed at any moment still names every part it made. It
        must lie beside this history's file, and stay there."""
        assert self.path is not None and part.parent == self.path.parent, "a part lies beside its history"
        with self._lock:
            self._write({"rec": "part", "name": name, "file": part.name})

    def begin_segment(self, name: str) -> None:
        """Records folded in from elsewhere follow (a listener process's): in their own time order, of
        their own listeners. A streamed check (`checks.streamed`) reads each listener's records in time
        order across segments."""
        with self._lock:
            if self._chunks is not None and self._file is not None:
                self._write_chunk()  # a chunk never spans segments: each is in its own time order
            self._write({"rec": "segment", "name": name})

    def follow(self) -> None:
        """From now on, every operation (as invoked: its completion comes on the same object) and
        the receipts not kept are held until taken: for the one live check, which folds them."""
        with self._lock:
            if self._fresh is None:
                self._fresh, self._fresh_ops = [], []

    def take(self) -> tuple[list[Operation], list[Observation]]:
        """The operations invoked and the receipts not kept since the last call (after `follow`)."""
        with self._lock:
            if self._fresh is None or self._fresh_ops is None:
                return [], []
            taken = self._fresh_ops, self._fresh
            self._fresh_ops, self._fresh = [], []
        return taken

    def set_meta(self, **meta: Any) -> None:
        with self._lock:
            self.data.meta.update(meta)
            self._write({"rec": "meta", **meta})

    def close(self) -> None:
        """The end record last: a history without it was cut short (`Wholeness.ended`)."""
        with self._lock:
            end = {"rec": "end", "operations": self.tally.invoked, "receipts": self.receipts}
            if self._chunks is not None and self._file is not None:
                self._write_chunk()
                end.update(chunks=self._chunks.chunks, chunked=self._chunks.written)
            self._write(end)
            if self._file is not None:
                try:
                    self._file.close()
                except OSError as exc:
                    self._stopped(exc)
                self._file = None
