"""The record of a run: operations (invoke, then ok / fail / info) and observations.

Jepsen-style: an operation is invoked, then completes `ok` (2xx), `fail` (the server
answered no) or `info` (no answer: we do not know whether it happened). Observations
are what listeners and servers saw. Every record is appended to a JSONL file the moment
it happens, so a crashed run still leaves its evidence; `load` reads it back for
`stocksync check`. Receipts, the bulk of a record, are written compactly (`receipt_codec`);
everything else is one JSON object a line, and the file is compressed on the fly
(`history_file`). Times are one host's monotonic clock, in seconds.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

import msgspec

from .errors import HistoryFormatError
from .history_file import CorruptCompression, open_for_reading, open_for_writing
from .receipt_codec import ReceiptDecoder, ReceiptEncoder
from .records import HistoryData, Observation, Operation, fields_of

__all__ = ["History", "HistoryData", "Observation", "Operation", "load", "parse", "read_meta"]

FLUSH_S = 0.1
BULK = ("receipt", "snapshot")  # what a run's history keeps on disk only


class History:
    """Append-only and thread-safe (gevent patches the lock under Locust)."""

    def __init__(
        self, path: Path | None = None, meta: dict[str, Any] | None = None, retain: bool = True, receipts: bool = True
    ) -> None:
        """`retain=False` keeps nothing in memory, only on disk: a listener process's history, read back
        when its fleet stops, so the process stays the same size however long the run. `receipts=False`
        keeps everything but the bulk, receipts and snapshots (a page's lines, loaded again on every
        reconnect): a run's history, whose live check takes the receipts as they come
        (`follow_receipts`) and whose final check reads the file."""
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.data = HistoryData(meta=dict(meta or {}))
        self._file: IO[str] | None = None
        self._retain = retain
        self._keep_receipts = receipts or path is None
        self._fresh: list[Observation] | None = None
        self._flushed = 0.0
        self.path = path
        self.data.meta.setdefault("time_origin", time.monotonic())
        self._receipts = ReceiptEncoder(self.data.meta["time_origin"])
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
        """Flushed at least every FLUSH_S: a crash loses a fraction of a second, not the run."""
        if self._file is not None:
            self._file.write(text)
            now = time.monotonic()
            if now - self._flushed > FLUSH_S:
                self._file.flush()
                self._flushed = now

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
            self.data.operations.append(op)
            self._write({"rec": "op", "type": "invoke", **_invoke_fields(op)})
        return op

    def complete(self, op: Operation, status: int | None, body: Any, error: str | None = None) -> Operation:
        with self._lock:
            op.complete = self.now()
            op.status, op.body, op.error = status, body, error
            op.type = "info" if status is None else ("ok" if 200 <= status < 300 else "fail")
            self._write(_completion(op))
        return op

    def add_operation(self, op: Operation) -> Operation:
        """An operation recorded elsewhere (a synthetic or merged history), kept with its own id and times."""
        with self._lock:
            self.data.operations.append(op)
            self._write({"rec": "op", "type": "invoke", **_invoke_fields(op)})
            if op.type != "invoke":
                self._write(_completion(op))
        return op

    def observe(self, kind: str, **fields: Any) -> Observation:
        return self.append(Observation(kind, fields.pop("time", None) or self.now(), **fields))

    def append(self, obs: Observation, live: bool = True) -> Observation:
        """The receipt path calls this directly: thousands of listeners make it the hottest line.
        `live=False`: a record folded in after the fact (a listener process's), which the live check,
        long past its time, does not take."""
        with self._lock:
            if self._retain and (self._keep_receipts or obs.kind not in BULK):
                self.data.observations.append(obs)
            elif self._fresh is not None and obs.kind == "receipt" and live:
                self._fresh.append(obs)
            if self._file is not None:
                if (obs.kind == "receipt" and isinstance(obs.data, str)) or obs.kind == "snapshot":
                    self._write_text(self._receipts.encode(obs))
                else:
                    self._write({"rec": "obs", **fields_of(obs)})
        return obs

    @property
    def whole(self) -> bool:
        """Whether `data` is the whole record; if not, the file is (a run's keeps no receipts)."""
        return self._retain and self._keep_receipts

    def begin_segment(self, name: str) -> None:
        """Records folded in from elsewhere follow (a listener process's): in their own time order, of
        their own listeners. A streamed check (`checks.streamed`) reads each listener's records in time
        order across segments."""
        with self._lock:
            self._write({"rec": "segment", "name": name})

    def follow_receipts(self) -> None:
        """From now on, receipts not kept are held until `take_receipts`: for the one live check."""
        with self._lock:
            if self._fresh is None:
                self._fresh = []

    def take_receipts(self) -> list[Observation]:
        """The receipts not kept, recorded since the last call (after `follow_receipts`)."""
        with self._lock:
            if self._fresh is None:
                return []
            taken, self._fresh = self._fresh, []
        return taken

    def set_meta(self, **meta: Any) -> None:
        with self._lock:
            self.data.meta.update(meta)
            self._write({"rec": "meta", **meta})

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def _completion(op: Operation) -> dict[str, Any]:
    return {"rec": "op", "type": op.type, "id": op.id, "complete": op.complete, "status": op.status,
            "body": op.body, "error": op.error}  # fmt: skip


def _invoke_fields(op: Operation) -> dict[str, Any]:
    return {k: v for k, v in asdict(op).items() if k not in ("type", "complete", "status", "body", "error")}


# msgspec: the fastest parser measured on history lines (bench/checker.py), and strict JSON: NaN and
# Infinity, which a run never records, are refused.
_decode = msgspec.json.Decoder().decode


def _typed(record: dict[str, Any], **fields: tuple[type, ...]) -> dict[str, Any]:
    """Refuse a record whose fields are not what `History` writes: the checks trust these types."""
    for name, kinds in fields.items():
        value = record.get(name)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise TypeError(f"{name} is {type(value).__name__}, not {'/'.join(k.__name__ for k in kinds)}")
    return record


TIME, MAYBE_TIME, TEXT, MAYBE_TEXT = (int, float), (int, float, type(None)), (str,), (str, type(None))


def _record(
    data: HistoryData, ops: dict[int, Operation], record: dict[str, Any], keep: Callable[[Observation], Any]
) -> None:
    rec = record.pop("rec")
    if rec == "meta":
        data.meta.update(record)

    elif rec == "obs":
        _typed(
            record,
            kind=TEXT,
            time=TIME,
            listener=MAYBE_TEXT,
            socket_id=MAYBE_TEXT,
            channel=MAYBE_TEXT,
            event=MAYBE_TEXT,
        )
        keep(Observation(**record))
    elif rec == "op" and record.get("type") == "invoke":
        record.pop("type")
        _typed(
            record,
            id=(int,),
            actor=TEXT,
            kind=TEXT,
            hotel=TEXT,
            actor_hotel=TEXT,
            request=(dict,),
            socket_id=MAYBE_TEXT,
            invoke=TIME,
        )
        op = ops[record["id"]] = Operation(**record)
        data.operations.append(op)
    elif rec == "op":
        _typed(record, type=TEXT, complete=MAYBE_TIME, status=(int, type(None)), error=MAYBE_TEXT)
        op = ops[record["id"]]
        op.type, op.complete, op.status = record["type"], record["complete"], record["status"]
        op.body, op.error = record["body"], record["error"]
    else:
        raise ValueError(f"unknown record kind {rec!r}")


def parse(
    lines: Iterable[str],
    on_observation: Callable[[Observation], object] | None = None,
    on_segment: Callable[[str], object] | None = None,
    data: HistoryData | None = None,
    listeners: Callable[[str | None], bool] | None = None,
) -> HistoryData:
    """`on_observation`: each observation is handed to it as it is read instead of being kept, so a
    file of any length streams through in constant memory. `on_segment`: told where the records
    folded in from elsewhere begin (`History.begin_segment`). `data`: filled as it is read (its
    operations, as far as read so far, for a reader that judges as it goes). `listeners`: whose
    compact receipts and snapshots to read (`ReceiptDecoder`); by default, everyone's."""
    data = HistoryData() if data is None else data
    keep = on_observation or data.observations.append
    ops: dict[int, Operation] = {}
    receipts = ReceiptDecoder(listeners)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = _decode(line)
            if isinstance(record, list) and record:
                obs = receipts.decode(record, float(data.meta.get("time_origin", 0.0)))
                if obs is not None:
                    keep(obs)
                continue
            if not isinstance(record, dict):
                raise TypeError("a record is a JSON object or a compact receipt record")
            if record.get("rec") == "segment":
                name = _typed(record, name=TEXT)["name"]
                if on_segment is not None:
                    on_segment(name)
                continue
            _record(data, ops, record, keep)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if number > 1 and not line.endswith("\n"):
                break
            raise HistoryFormatError(f"line {number}: not a history record ({_why(exc, line)})") from None
    return data


def _why(exc: Exception, line: str) -> str:
    if isinstance(exc, msgspec.DecodeError) and re.search(r"[:\[,]\s*-?(NaN|Infinity)\b", line):
        return "NaN and Infinity are not numbers a run records"
    return f"{type(exc).__name__}: {exc}"


def load(
    path: Path,
    on_observation: Callable[[Observation], object] | None = None,
    on_segment: Callable[[str], object] | None = None,
    data: HistoryData | None = None,
    listeners: Callable[[str | None], bool] | None = None,
) -> HistoryData:
    """Read a history back (`parse`); a torn last line (a crashed run) is tolerated."""
    with _reading(path) as fh:
        return parse(fh, on_observation, on_segment, data, listeners)


def read_meta(path: Path) -> tuple[dict[str, Any], int]:
    """Only the meta records, all of them: what a streamed check must know before the first receipt
    (the contract, the latency limit, when the run quiesced), without parsing the rest; and how many
    lines the file has (how large a check it is)."""
    meta: dict[str, Any] = {}
    lines = 0
    with _reading(path) as fh:
        for line in fh:
            lines += 1
            if '"meta"' in line[:24]:
                try:
                    record = _decode(line)
                except msgspec.DecodeError:
                    continue  # a torn last line; `load` says what else is wrong
                if isinstance(record, dict) and record.pop("rec", None) == "meta":
                    meta.update(record)
    return meta, lines


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[IO[str]]:
    """The file's text, its failures said as a HistoryFormatError naming the file."""
    try:
        with open_for_reading(path) as fh:
            yield fh
    except HistoryFormatError as exc:
        raise HistoryFormatError(f"{path}: {exc}") from None
    except CorruptCompression as exc:
        raise HistoryFormatError(f"{path}: not a readable zstd stream ({exc})") from None
    except UnicodeDecodeError as exc:
        raise HistoryFormatError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise HistoryFormatError(f"cannot read history {path}: {exc.strerror}") from None
