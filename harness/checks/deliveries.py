"""Every delivery the listeners' checks judged, one row each: a receipt matched to the write that owed
it. Only the checker knows which write a receipt was (and so its latency, and whether it was late),
so a run's record holds this as a table of its own (`record.deliveries_table` writes it) for anyone
to query with polars or DuckDB.

The clean listeners' rows come as a frame from their pairs (`columnar.engine`), the others' one at a
time from the Python stream (`stream.ListenerStream`), kept as plain columns (a forked share may not
use polars: `parts.all_listeners`). A log with a `spill` hands every BATCH rows on as a frame, so an
hour's tens of millions of deliveries are never held at once (`check_file`'s streamed read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

SCHEMA = pl.Schema(
    {
        "listener": pl.String,
        "channel": pl.String,
        "event": pl.String,
        "op": pl.Int64,
        "invoked": pl.Float64,
        "received": pl.Float64,
        "latency_ms": pl.Float64,
        "late": pl.Boolean,
    }
)
"""A delivery: the listener, the channel and event it came on, the write (`op`, its operation id)
that owed it, when that write was invoked and when the copy was received (the history's clock, as
recorded), the latency (received - invoked) in ms, and whether it was late: over the latency limit
the check used, exactly as the late-event finding says (`delivery.matched`)."""
_GIVEN = pl.Schema(
    {name: SCHEMA[name] for name in ("listener", "channel", "event", "op", "invoked", "received", "late")}
)
BATCH = 262_144

Spill = Callable[[pl.DataFrame], None]


def delivery_frame(given: pl.DataFrame) -> pl.DataFrame:
    """The table's rows from the given columns (`_GIVEN`, by name): the latency worked out, in schema
    order."""
    latency = ((pl.col("received") - pl.col("invoked")) * 1000).alias("latency_ms")
    return given.cast(_GIVEN).with_columns(latency).select(SCHEMA.names())


def clean_deliveries(pairs: pl.DataFrame, limit_s: float) -> pl.DataFrame:
    """The clean listeners' deliveries from their pairs (each receipt with the write it matched)."""
    late = (pl.col("time") - pl.col("invoke")) > limit_s
    given = pairs.select("listener", "channel", "event", "op", invoked="invoke", received="time", late=late)
    return delivery_frame(given)


@dataclass
class DeliveryLog:
    """Deliveries as they are judged: frames, and rows still as plain columns."""

    spill: Spill | None = None
    frames: list[pl.DataFrame] = field(default_factory=list)
    columns: tuple[list[object], ...] = field(default_factory=lambda: tuple([] for _ in _GIVEN))

    def add(
        self, listener: str, channel: str, event: str, op: int, invoked: float, received: float, late: bool
    ) -> None:
        """One delivery the stream judged; `late` as its late-event check found it."""
        c = self.columns
        c[0].append(listener)
        c[1].append(channel)
        c[2].append(event)
        c[3].append(op)
        c[4].append(invoked)
        c[5].append(received)
        c[6].append(late)
        if self.spill is not None and len(c[0]) >= BATCH:
            self.spill(self._taken())

    def flush(self) -> None:
        """Spill the rows still held: the stream has finished."""
        if self.spill is not None and self.columns[0]:
            self.spill(self._taken())

    @property
    def held(self) -> bool:
        """Whether any delivery is held (not spilled)."""
        return bool(self.frames or self.columns[0])

    def merge(self, other: DeliveryLog) -> None:
        """`other`'s deliveries too (another share's, or the clean listeners')."""
        self.frames += other.frames
        for mine, theirs in zip(self.columns, other.columns, strict=True):
            mine += theirs

    def frame(self) -> pl.DataFrame:
        """Every delivery held, as one frame (empty, of the schema, if none)."""
        if self.columns[0] or not self.frames:
            self.frames.append(self._taken())
        return pl.concat(self.frames, how="vertical")

    def _taken(self) -> pl.DataFrame:
        """The rows held as columns, as a frame; they are no longer held."""
        frame = delivery_frame(pl.DataFrame(dict(zip(_GIVEN, self.columns, strict=True)), schema=_GIVEN))
        self.columns = tuple([] for _ in _GIVEN)
        return frame
