"""Today's history file (JSONL, zstd or plain) as columns: what a columnar checker would read.

Four tables, written as Parquet with zstd (both engines read it natively; DuckDB reads Arrow IPC
only through an extension, so IPC is written too only to compare its size):
- receipts: one row a receipt (file order, time, listener, channel, event, payload), names and
  texts as ids;
- payloads: one row a distinct text (a fan-out's copies share one), parsed once: its line, and
  what it is a copy of (`thing`: the line and its counted values, the checker's key and
  fingerprint, as one id);
- writes: one row a (successful line write, event, channel) the contract says it broadcasts,
  with the `thing` its event must carry;
- subs: one row a subscription (listener, socket, channel, start, end).
The receipts are the bulk and cost no Python object once converted; the writes and subscriptions
are few, and are worked out here with the harness's own functions (`expected_event`,
`Contract.expected`), as a recorder writing columns would at the time. Parts (`History.add_part`)
and movement or stocktake events are left out of this prototype: the synthetic history has none.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import polars as pl

from harness.checks.model import expected_event, fingerprint, line_id_of, stocktake_of
from harness.record.history_file import open_for_reading
from harness.record.records import Operation
from harness.spec.contract import Contract

LINE_EVENT = "line-counted-updated"
_decode = msgspec.json.Decoder().decode


@dataclass
class _Columns:
    """What one pass over the file gathers."""

    meta: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, dict[str | None, int]] = field(default_factory=lambda: {k: {} for k in "lsce"})
    named: dict[tuple[str, int], int] = field(default_factory=dict)  # (kind, index in the file) -> id
    slots: dict[int, int] = field(default_factory=dict)  # the file's payload slot -> payload id
    texts: dict[str, int] = field(default_factory=dict)
    things: dict[tuple[Any, Any], int] = field(default_factory=dict)  # (line, counted values) -> id
    receipts: tuple[list[float], list[int], list[int], list[int], list[int]] = field(
        default_factory=lambda: ([], [], [], [], [])
    )
    ops: dict[int, dict[str, Any]] = field(default_factory=dict)
    subs: list[list[Any]] = field(default_factory=list)

    def id_of(self, kind: str, value: str | None) -> int:
        known = self.ids[kind]
        return known.setdefault(value, len(known))

    def thing_of(self, line: Any, fp: Any) -> int | None:
        """What a copy is of: a line and its counted values (the checker's key and fingerprint), one
        id whether it came from a write's answer or an event's text."""
        return None if line is None else self.things.setdefault((line, fp), len(self.things))


def _take(cols: _Columns, record: Any, origin: float) -> None:
    """One compact record (`receipt_codec`): a name, a text, or a receipt (snapshots are skipped)."""
    tag = record[0]
    if tag == "r":
        t, listeners, channels, events, payloads = cols.receipts
        named = cols.named
        t.append(origin + record[1])
        listeners.append(named[("l", record[2])])
        channels.append(named[("c", record[4])])
        events.append(named[("e", record[5])])
        payloads.append(cols.slots[record[6]])
    elif tag == "n":
        cols.named[(record[1], record[2])] = cols.id_of(record[1], record[3])
    elif tag == "p":
        cols.slots[record[1]] = cols.texts.setdefault(record[2], len(cols.texts))


def _take_chunk(cols: _Columns, chunk: Path) -> None:
    """A receipts chunk (`receipt_chunks`): its rows into the receipts' columns, names and texts as ids."""
    frame = pl.read_parquet(chunk)
    t, listeners, channels, events, payloads = cols.receipts
    t += frame["time"].to_list()
    for kind, column, ids in (("l", "listener", listeners), ("c", "channel", channels), ("e", "event", events)):
        ids += [cols.id_of(kind, value) for value in frame[column].to_list()]
    payloads += [cols.texts.setdefault(text, len(cols.texts)) for text in frame["text"].to_list()]


def _record(cols: _Columns, record: dict[str, Any]) -> None:
    rec = record.pop("rec")
    if rec == "meta":
        cols.meta.update(record)
    elif rec == "op" and record.get("type") == "invoke":
        cols.ops[record["id"]] = {k: v for k, v in record.items() if k != "type"}
    elif rec == "op":
        cols.ops[record["id"]].update(record)
    elif rec == "obs" and record["kind"] == "subscribed" and record.get("channel"):
        listener, channel = cols.id_of("l", record["listener"]), cols.id_of("c", record["channel"])
        cols.subs.append([listener, record["socket_id"], channel, record["time"], math.inf])
    elif rec == "obs" and record["kind"] == "disconnect":
        gone = cols.id_of("l", record["listener"])
        for sub in cols.subs:
            if sub[0] == gone and sub[4] == math.inf:
                sub[4] = record["time"]


def _writes(cols: _Columns, contract: Contract) -> pl.DataFrame:
    rows = []
    for fields in cols.ops.values():
        op = Operation(**fields)
        if not op.ok or op.kind != "patch_line" or op.complete is None:
            continue
        key, fp, _ = expected_event(op)
        line = key[1] if key else None
        thing = cols.thing_of(line, fp)
        for event, channel in contract.expected(op.kind, op.hotel, stocktake_of(op)):
            rows.append((op.id, op.invoke, op.complete, op.socket_id, cols.id_of("e", event),
                         cols.id_of("c", channel), line, thing))  # fmt: skip
    names = ["op", "invoke", "complete", "socket", "event", "channel", "line", "thing"]
    types = [pl.Int64, pl.Float64, pl.Float64, pl.String, pl.UInt32, pl.UInt32, pl.Int64, pl.UInt32]
    return pl.DataFrame(rows, schema=dict(zip(names, types, strict=True)), orient="row")


def _payloads(cols: _Columns) -> pl.DataFrame:
    """Each distinct text parsed once, as the recorder that keeps it once could: its line and what
    it is a copy of."""
    lines, things = [], []
    for text in cols.texts:
        try:
            data = _decode(text)
        except msgspec.DecodeError:
            data = None
        line = line_id_of(LINE_EVENT, data) if isinstance(data, dict) else None
        if not isinstance(line, int) or not isinstance(data, dict):
            lines.append(None)
            things.append(None)
            continue
        lines.append(line)
        things.append(cols.thing_of(line, fingerprint(LINE_EVENT, data.get("line"))))
    return pl.DataFrame(
        {"payload": list(cols.texts.values()), "line": lines, "thing": things, "text": list(cols.texts)},
        schema={"payload": pl.UInt32, "line": pl.Int64, "thing": pl.UInt32, "text": pl.String},
    )


def frames(path: Path, contract: Contract) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    """The four tables and the meta the rule needs (latency limit, quiescence)."""
    cols = _Columns()
    with open_for_reading(path) as fh:
        for line in fh:
            record = _decode(line)
            if isinstance(record, list):
                _take(cols, record, float(cols.meta.get("time_origin", 0.0)))
            elif record.get("rec") == "chunk":
                _take_chunk(cols, path.parent / record["file"])
            else:
                _record(cols, record)
    t, listeners, channels, events, payloads = cols.receipts
    tables = {
        "receipts": pl.DataFrame(
            {"t": t, "listener": listeners, "channel": channels, "event": events, "payload": payloads},
            schema={"t": pl.Float64, **dict.fromkeys(("listener", "channel", "event", "payload"), pl.UInt32)},
        ).with_row_index("row"),  # file order: ties in time keep it, as the checker's stable sort does
        "writes": _writes(cols, contract),
        "payloads": _payloads(cols),
        "subs": pl.DataFrame(
            cols.subs,
            schema={
                "listener": pl.UInt32,
                "socket": pl.String,
                "channel": pl.UInt32,
                "start": pl.Float64,
                "end": pl.Float64,
            },
            orient="row",
        ),
    }
    meta = {"latency_limit_ms": cols.meta.get("latency_limit_ms"), "quiesced_at": cols.meta.get("quiesced_at")}
    return tables, meta


def convert(path: Path, folder: Path, contract: Contract) -> dict[str, int]:
    """Writes the tables to `folder` (Parquet and Arrow IPC, zstd) with meta.json; returns bytes
    per file kind."""
    tables, meta = frames(path, contract)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").write_text(json.dumps(meta))
    sizes = {"parquet_bytes": 0, "ipc_bytes": 0}
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet", compression="zstd")
        frame.write_ipc(folder / f"{name}.arrow", compression="zstd")
        sizes["parquet_bytes"] += (folder / f"{name}.parquet").stat().st_size
        sizes["ipc_bytes"] += (folder / f"{name}.arrow").stat().st_size
    sizes["receipts_parquet_bytes"] = (folder / "receipts.parquet").stat().st_size
    return sizes
