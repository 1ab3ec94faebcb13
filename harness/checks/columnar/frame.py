"""The listeners' receipts as one polars frame, and back to observations for the few the stream judges.

One row a receipt: `text` is the event data as received (a string kept as it came, else its JSON, as
`model.Payloads.receipt` reads it), `seq` its place in the record (equal times keep it, as the
stream's stable sort by time does). `harness.record.receipt_table.load_receipts` gives the same
schema from a run's columnar files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import polars as pl

from ...record.history import Observation
from ...record.receipt_table import SCHEMA as RECEIPTS

SCHEMA = pl.Schema(RECEIPTS)


def receipts_frame(observations: Sequence[Observation]) -> pl.DataFrame:
    """The receipts among `observations` (a history in memory); `seq` is the index in it."""
    seq = [i for i, o in enumerate(observations) if o.kind == "receipt"]
    receipts = [observations[i] for i in seq]
    columns = {
        "listener": [o.listener for o in receipts],
        "socket_id": [o.socket_id for o in receipts],
        "channel": [o.channel for o in receipts],
        "event": [o.event for o in receipts],
        "text": [o.data if isinstance(o.data, str) else json.dumps(o.data) for o in receipts],
        "time": [o.time for o in receipts],
        "seq": seq,
    }
    return pl.DataFrame(columns, schema=SCHEMA)


def receipts_of(frame: pl.DataFrame, listeners: Iterable[str]) -> list[Observation]:
    """The receipts of `listeners`, and those of no listener (every share of listeners takes them,
    `parts.split`), as observations in record order: what the Python stream takes."""
    rows = frame.filter(pl.col("listener").is_in(list(listeners)) | pl.col("listener").is_null()).sort("seq")
    columns = (rows.get_column(name).to_list() for name in ("listener", "socket_id", "channel", "event", "text"))
    return [
        Observation("receipt", time, listener, socket_id, channel, event, text)
        for listener, socket_id, channel, event, text, time in zip(*columns, rows.get_column("time"), strict=True)
    ]
