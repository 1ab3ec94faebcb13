"""Reading a history back: the main file, and the parts it names, as plain data or as a stream.

`History` writes; this reads what it wrote, in any of its forms (compact or one object a line,
compressed or plain, with parts or without), and refuses what it did not write with a
`HistoryFormatError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from ..errors import HistoryFormatError
from .history_file import part_file
from .history_file import reading as opened
from .history_meta import parts_of, read_meta
from .inline_receipts import InlineReceipts
from .operation_records import Answered, Invoked, operation_record
from .receipt_codec import ReceiptDecoder
from .receipt_merge import ReceiptMerge
from .records import HistoryData, Observation, Operation

__all__ = ["load", "parse", "parts_of", "read_meta"]

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


def typed_observation(record: dict[str, Any]) -> dict[str, Any]:
    """An observation record's fields, refused unless of the types `History` writes."""
    return _typed(
        record, kind=TEXT, time=TIME, listener=MAYBE_TEXT, socket_id=MAYBE_TEXT, channel=MAYBE_TEXT, event=MAYBE_TEXT
    )


class _Texts:
    """One copy of each text in the operations' requests and answers. A final check holds every
    operation, and the same names, SKUs and quantities recur across thousands of them: shared, the
    130,170 operations of an hour's soak took 217 MB, not 404 (about 10 µs more to read each)."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}
        self.one = self._known.setdefault  # `one(text, text)`: the copy of a text known to be one

    def shared(self, value: Any) -> Any:
        """`value` with each of its texts the one copy. Its lists and objects, fresh from the decoder
        and no one else's, are changed in place: rebuilding them cost as much as the sharing."""
        kind = type(value)
        if kind is str:
            return self.one(value, value)
        if kind is dict:
            self._share(value, value.items())
        elif kind is list:
            self._share(value, enumerate(value))
        return value

    def _share(self, container: Any, items: Iterable[tuple[Any, Any]]) -> None:
        one = self.one
        for key, item in items:
            kind = type(item)
            if kind is str:
                container[key] = one(item, item)
            elif kind is dict or kind is list:
                self.shared(item)


def _record(reading: _Reading, meta: dict[str, Any], record: dict[str, Any]) -> None:
    rec = record.pop("rec")
    if rec == "meta":
        meta.update(record)

    elif rec == "obs":
        reading.hand(Observation(**typed_observation(record)))
    elif rec == "op" and record.get("type") == "invoke":
        _typed(record, id=(int,), actor=TEXT, kind=TEXT, hotel=TEXT, actor_hotel=TEXT, request=(dict,),
               socket_id=MAYBE_TEXT, invoke=TIME)  # fmt: skip
        _operation(reading, Invoked(rec, **record))
    elif rec == "op":
        _typed(record, type=TEXT, complete=MAYBE_TIME, status=(int, type(None)), error=MAYBE_TEXT)
        _operation(reading, Answered(rec, **record))
    else:
        raise ValueError(f"unknown record kind {rec!r}")


def _operation(reading: _Reading, record: Invoked | Answered) -> None:
    texts = reading.texts
    if isinstance(record, Invoked):
        reading.merge.until(record.invoke)
        one = texts.one
        socket_id = record.socket_id
        op = reading.ops[record.id] = Operation(
            record.id, one(record.actor, record.actor), one(record.kind, record.kind), one(record.hotel, record.hotel),
            one(record.actor_hotel, record.actor_hotel), texts.shared(record.request),
            socket_id if socket_id is None else one(socket_id, socket_id), record.invoke,
        )  # fmt: skip
        reading.data.operations.append(op)
        return
    if record.complete is not None:
        reading.merge.until(record.complete)
    op = reading.ops[record.id]
    op.type, op.complete, op.status = record.type, record.complete, record.status
    op.body, op.error = texts.shared(record.body), record.error


@dataclass
class _Reading:
    """What reading one history shares across its files (the main one and its parts)."""

    data: HistoryData
    keep: Callable[[Observation], object]
    on_segment: Callable[[str], object] | None
    listeners: Callable[[str | None], bool] | None
    folder: Path | None
    ops: dict[int, Operation] = field(default_factory=dict)
    texts: _Texts = field(default_factory=_Texts)
    named: list[tuple[str, str]] = field(default_factory=list)  # the parts it names: (name, file)
    merge: ReceiptMerge = field(init=False)  # the file being read's chunked receipts
    receipts: bool = True  # whether receipts are handed out at all
    inline: InlineReceipts | None = None  # where the receipts in the files' lines go when none is handed out

    def file(self, name: str) -> ReceiptMerge:
        """A file begins: its chunks are its own (still read and counted when no receipt is wanted: a
        lost one makes the history not whole)."""
        if self.inline is not None:
            self.inline.begin(name)
        listeners = self.listeners if self.receipts else _nobody
        self.merge = ReceiptMerge(self.folder, name, self.keep, listeners, self.data.wholeness)
        return self.merge

    def hand(self, obs: Observation) -> None:
        """A record of the file's, after the chunk's receipts that came before it."""
        self.merge.until(obs.time)
        if self.receipts or obs.kind != "receipt":
            self.keep(obs)
        elif self.inline is not None:
            self.inline.add(obs)


def _nobody(listener: str | None) -> bool:
    return False


def parse(
    lines: Iterable[str],
    on_observation: Callable[[Observation], object] | None = None,
    on_segment: Callable[[str], object] | None = None,
    data: HistoryData | None = None,
    listeners: Callable[[str | None], bool] | None = None,
    folder: Path | None = None,
    receipts: bool = True,
    inline: InlineReceipts | None = None,
) -> HistoryData:
    """`on_observation`: each observation is handed to it as it is read instead of being kept, so a
    file of any length streams through in constant memory. `on_segment`: told where the records
    folded in from elsewhere begin (`History.begin_segment`, `History.add_part`). `data`: filled as
    it is read (its operations, as far as read so far, for a reader that judges as it goes).
    `listeners`: whose compact receipts and snapshots to read (`ReceiptDecoder`); by default,
    everyone's. `folder`: where the history's parts are (`History.add_part`). `receipts=False`: none
    is handed out (a reader that has them as a frame, `load_receipts`); `inline`: where those written
    in the files' lines are gathered then, as columns, with the chunks each file names. What the file lacks
    (its end record, a cut line, a part) is said in `data.wholeness`, never raised: a killed run's
    history is still read, and judged as not whole."""
    data = HistoryData() if data is None else data
    reading = _Reading(data, on_observation or data.observations.append, on_segment, listeners, folder)
    reading.receipts, reading.inline = receipts, inline
    _read_main(reading, lines)
    return data


def _read_main(reading: _Reading, lines: Iterable[str]) -> None:
    """The main file, then its parts. A run names each part as it creates it, long before the part's
    records are done, so parts are read after the main file's records, each as a segment of its own."""
    whole = reading.data.wholeness
    whole.ended = _read_lines(reading, lines, reading.data.meta, "the history")
    parts, reading.named = reading.named, []
    whole.parts = [file for _, file in parts]
    for name, file in parts:
        if reading.on_segment is not None:
            reading.on_segment(name)
        with part_file(reading.folder, file) as part_lines:
            if part_lines is None:
                whole.missing.append(file)
            elif not _read_lines(reading, part_lines, {}, file):
                whole.unended.append(file)
            if reading.named:
                raise HistoryFormatError(f"its part {file} names a part of its own: only a history names parts")


def _read_lines(reading: _Reading, lines: Iterable[str], meta: dict[str, Any], file: str) -> bool:
    """One file's records, in order; `meta`: where its meta records go (a part's are its own). Whether
    its last record was its end record; a cut last line is noted as torn. Its chunked receipts are
    handed out among its records, in time order (`ReceiptMerge`)."""
    receipts = ReceiptDecoder(reading.listeners)
    merge = reading.file(file)
    ended = False
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():  # blank (strip would copy every line to say so)
            continue
        try:
            typed = operation_record(line)
            if typed is not None:
                ended = False
                _operation(reading, typed)
                continue
            record = _decode(line)
            ended = False  # a line cut after the end record leaves the history ended, its tail torn
            if isinstance(record, list) and record:
                obs = receipts.decode(record, float(meta.get("time_origin", 0.0)))
                if obs is not None:
                    reading.hand(obs)
                continue
            if not isinstance(record, dict):
                raise TypeError("a record is a JSON object or a compact receipt record")
            rec = record.get("rec")
            if rec == "end":
                merge.ended(record)
                ended = True
            elif rec == "chunk":
                chunk = _typed(record, file=TEXT)["file"]
                read = merge.start(chunk)
                if reading.inline is not None:
                    reading.inline.chunk(chunk, read)
            elif rec == "segment":
                merge.finish()
                if reading.on_segment is not None:
                    reading.on_segment(_typed(record, name=TEXT)["name"])
            elif rec == "part":
                reading.named.append((_typed(record, name=TEXT)["name"], _typed(record, file=TEXT)["file"]))
            else:
                _record(reading, meta, record)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if number > 1 and not line.endswith("\n"):
                reading.data.wholeness.torn.append(file)
                break
            raise HistoryFormatError(f"line {number}: not a history record ({_why(exc, line)})") from None
    merge.finish()
    return ended


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
    receipts: bool = True,
    inline: InlineReceipts | None = None,
) -> HistoryData:
    """Read a history back (`parse`), its parts with it; a torn last line (a crashed run) is tolerated.
    A listener process's file beside it that it does not name is noted (`Wholeness.unnamed`): a run
    killed before naming it, or a history edited."""
    with opened(path) as fh:
        data = parse(fh, on_observation, on_segment, data, listeners, path.parent, receipts, inline)
    named = set(data.wholeness.parts)
    data.wholeness.unnamed += sorted(p.name for p in path.parent.glob(f"{PART_PREFIX}*.{stem(path)}.*")
                                     if p.name not in named)  # fmt: skip
    return data


PART_PREFIX = "listeners-"


def stem(path: Path) -> str:
    """A history's name without its suffixes: its parts are named after it (`listeners-N.<stem>...`),
    so that two runs sharing a folder keep theirs apart."""
    return path.name.split(".")[0]
