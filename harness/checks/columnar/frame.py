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


def missing(frame: pl.DataFrame) -> pl.Expr:
    """A receipt missing its listener, channel, event or text (a spilled one's text may be its id:
    `Texts.told`)."""
    text = pl.col("text").is_null()
    if "text_id" in frame.columns:
        text = text & pl.col("text_id").is_null()
    return pl.any_horizontal(pl.col("listener", "channel", "event").is_null()) | text


def receipts_of(frame: pl.DataFrame, listeners: Iterable[str], raws: Sequence[str] = ()) -> list[Observation]:
    """The receipts of `listeners`, and those of no listener (every share of listeners takes them,
    `parts.split`), as observations in record order: what the Python stream takes. `raws`: each
    text by its id, for receipts `told` their text's id instead of their text."""
    rows = frame.filter(pl.col("listener").is_in(list(listeners)) | pl.col("listener").is_null()).sort("seq")
    names = [rows.get_column(name).to_list() for name in ("listener", "socket_id", "channel", "event")]
    texts = rows.get_column("text").to_list()
    if "text_id" in rows.columns:
        ids = rows.get_column("text_id").to_list()
        texts = [raws[i] if text is None and i is not None else text for text, i in zip(texts, ids, strict=True)]
    return [
        Observation("receipt", time, listener, socket_id, channel, event, text)
        for listener, socket_id, channel, event, text, time in zip(*names, texts, rows.get_column("time"), strict=True)
    ]
