"""Synthetic histories of any size with the shapes a real run records (checker benchmark and tests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..record.history import History, HistoryData, Observation, Operation

LINES = 200
CHANNEL = "hotel-bench-stocktake-1"


def _line(line_id: int, partial: str) -> dict[str, object]:
    return {
        "id": line_id,
        "stocktake": 1,
        "item_sku": f"D{line_id:04d}",
        "counted_full_units": "1",
        "counted_partial_units": partial,
        "counted_qty": "88.0000",
        "variance_qty": "0.0000",
    }


def history_with(receipts: int, listeners: int = 10, every_s: float = 0.001) -> HistoryData:
    """`receipts` deliveries: receipts / listeners line writes, one every `every_s`, each reaching every
    listener once."""
    data = HistoryData(meta={"scenario": "synthetic", "latency_limit_ms": 2000})
    for record in records(receipts, listeners, every_s):
        if isinstance(record, Operation):
            data.operations.append(record)
        else:
            data.observations.append(record)
    data.meta["quiesced_at"] = quiesced_at(receipts, listeners, every_s)
    return data


def quiesced_at(receipts: int, listeners: int, every_s: float) -> float:
    return 2.0 + receipts // listeners * every_s


def records(receipts: int, listeners: int, every_s: float) -> Iterator[Operation | Observation]:
    """`history_with`'s records in time order, made as they are taken: a history larger than memory
    can be written (`write_synthetic`)."""
    names = [f"viewer-{n}" for n in range(listeners)]
    lines = {i: _line(i, "0.00") for i in range(1, LINES + 1)}
    for n, name in enumerate(names):
        sid = f"1.{n}"
        yield Observation("connect", 0.0, name, sid)
        yield Observation("subscribed", 0.001, name, sid, CHANNEL)
        yield Observation(
            "snapshot",
            0.002,
            name,
            sid,
            CHANNEL,
            data={"stocktake_id": 1, "hotel": "hotel-bench", "lines": list(lines.values())},
        )
    for i in range(receipts // listeners):
        t = 1.0 + i * every_s
        line_id = i % LINES + 1
        body = _line(line_id, f"{i // 100}.{i % 100:02d}")
        lines[line_id] = body
        yield Operation(
            i + 1,
            "counter-1",
            "patch_line",
            "hotel-bench",
            "hotel-bench",
            {"stocktake_id": 1, "line_id": line_id},
            "9.9",
            t,
            "ok",
            t + 0.004,
            200,
            body,
        )
        raw = json.dumps({"line_id": line_id, "item_sku": body["item_sku"], "line": body})
        for n, name in enumerate(names):
            yield Observation("receipt", t + 0.006, name, f"1.{n}", CHANNEL, "line-counted-updated", raw)
    end = quiesced_at(receipts, listeners, every_s)
    yield Observation("truth", end, data={"stocktake_id": 1, "hotel": "hotel-bench", "lines": list(lines.values())})


def write_synthetic(path: Path, receipts: int, listeners: int = 10, every_s: float = 0.001) -> None:
    """`history_with`'s history written as a run writes it (receipts in chunks), never held whole."""
    history = History(path, {"scenario": "synthetic", "latency_limit_ms": 2000}, receipts=False, operations=False)
    for record in records(receipts, listeners, every_s):
        if isinstance(record, Operation):
            history.add_operation(record)
        else:
            history.append(record)
    history.set_meta(quiesced_at=quiesced_at(receipts, listeners, every_s))
    history.close()


def write_history(
    data: HistoryData, path: Path, segments: dict[str, list[Observation]] | None = None, columns: bool = True
) -> None:
    """`data` as a run's file; then each of `segments`, as a listener process's records are folded in.
    `columns=False`: its receipts in the file itself, as runs wrote them before receipts chunks."""
    history = History(path, dict(data.meta), columns=columns)
    for op in data.operations:
        history.add_operation(op)
    for obs in data.observations:
        history.append(obs)
    for name, observations in (segments or {}).items():
        history.begin_segment(name)
        for obs in observations:
            history.append(obs)
    history.close()


def following(data: HistoryData) -> History:
    """A history in memory holding `data`'s records, followed (`History.follow`) as a run's is by
    its live check: what a test feeds a `LiveCheck` or a `LiveFeed`. The operations are the same
    objects, so a test may still complete one later."""
    history = History(meta=dict(data.meta))
    history.follow()
    for op in data.operations:
        history.add_operation(op)
    for obs in data.observations:
        history.append(obs)
    return history
