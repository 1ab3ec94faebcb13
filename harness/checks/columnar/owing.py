"""Who is owed what, as frames: the writes the stream admits and owes (`stream._admit`, `_owe`), the
listeners' subscriptions, and what else the record says of each listener (non-receipt observations
are few, so they are read in Python).

A write is owed when it succeeded, was answered and was invoked before the run quiesced; it owes
each (event, channel) the contract routes it to (`Contract.expected`), to every listener subscribed
to that channel by its invoke (`owed.owed_at_invoke`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ...record.history import FAILURE, Observation, Operation
from ...spec.contract import Contract
from ..model import expected_at, stocktake_of
from ..sizes import MAX_EVENT_BYTES, at_most
from .texts import Ids


@dataclass
class Listeners:
    """What the observations other than receipts say of each listener."""

    unusual: set[str] = field(default_factory=set)
    """Died, disconnected, or subscribed oddly (twice to a channel, or to none): the stream judges them."""
    sockets: dict[str, set[str]] = field(default_factory=dict)
    subscriptions: dict[tuple[str, str], float] = field(default_factory=dict)  # (listener, channel) -> start
    paged_from: dict[str, float] = field(default_factory=dict)  # listener -> its first snapshot's time
    named: set[str] = field(default_factory=set)  # every listener an observation names
    stopped: dict[str, float] = field(default_factory=dict)
    """Listeners whose connection ended after the run quiesced (the fleet stopping, as every run's does),
    and when: after every window had closed, so the stream owes them what it owes one never stopped,
    unless a receipt of theirs is later (`heard_after`)."""

    @classmethod
    def of(cls, observations: Iterable[Observation], quiesced: float = math.inf) -> Listeners:
        found = cls()
        for obs in observations:
            listener = obs.listener
            if listener is None or obs.kind == "receipt":
                continue
            found.named.add(listener)
            if obs.socket_id:
                found.sockets.setdefault(listener, set()).add(obs.socket_id)
            if obs.kind == "disconnect" and obs.time > quiesced:
                found.stopped[listener] = min(obs.time, found.stopped.get(listener, math.inf))
            elif obs.kind in (FAILURE, "disconnect"):
                found.unusual.add(listener)
            elif obs.kind == "subscribed":
                if not obs.channel or (listener, obs.channel) in found.subscriptions:
                    found.unusual.add(listener)
                found.subscriptions.setdefault((listener, obs.channel or ""), obs.time)
            elif obs.kind == "snapshot":
                found.paged_from[listener] = min(obs.time, found.paged_from.get(listener, math.inf))
        return found

    def heard_after(self, receipts: pl.DataFrame) -> list[str]:
        """The listeners stopped after the run (`stopped`) with a receipt later than their stop."""
        if not self.stopped:
            return []
        ends = pl.DataFrame({"listener": list(self.stopped), "end": list(self.stopped.values())},
                            schema={"listener": pl.String, "end": pl.Float64})  # fmt: skip
        later = receipts.select("listener", "time").join(ends, on="listener").filter(pl.col("time") > pl.col("end"))
        return later.get_column("listener").unique().to_list()

    def paged_since(self) -> pl.Expr:
        """Each receipt's listener's first snapshot's time (null: it has no page)."""
        listeners, times = list(self.paged_from), list(self.paged_from.values())
        return pl.col("listener").replace_strict(listeners, times, default=None, return_dtype=pl.Float64)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "listener": [listener for listener, _ in self.subscriptions],
                "channel": [channel for _, channel in self.subscriptions],
                "start": list(self.subscriptions.values()),
            },
            schema={"listener": pl.String, "channel": pl.String, "start": pl.Float64},
        )


_SCHEMA = {"op": pl.Int64, "invoke": pl.Float64, "when": pl.Float64, "window_end": pl.Float64, "event": pl.String,
           "channel": pl.String, "thing": pl.UInt32, "unsendable": pl.Boolean}  # fmt: skip
_OWING = {"op": pl.Int64, "invoke": pl.Float64, "when": pl.Float64, "complete": pl.Float64, "thing": pl.UInt32,
          "unsendable": pl.Boolean, "routed": pl.UInt32}  # fmt: skip
_ROUTES = {"routed": pl.UInt32, "event": pl.String, "channel": pl.String}


@dataclass
class Writes:
    """The writes the stream owes, one row per (write, event, channel), and each one's expected payload."""

    frame: pl.DataFrame
    payloads: dict[int, Any]
    sockets: set[str]  # every operation's connection: a listener holding one may get an echo

    @classmethod
    def of(
        cls, operations: Sequence[Operation], contract: Contract, meta: dict[str, Any], limit_s: float, things: Ids
    ) -> Writes:
        """Python reads each write owed once, into a row of its own; the routes (the same for every
        write of one kind, hotel and stocktake) are joined on, and the windows worked out, by polars."""
        quiesced = meta.get("quiesced_at")
        until = float(quiesced) if isinstance(quiesced, (int, float)) else math.inf
        owing: list[tuple[Any, ...]] = []
        routed = Ids()  # (kind, hotel, stocktake): the writes routed alike
        payloads: dict[int, Any] = {}
        sockets = {op.socket_id for op in operations if op.socket_id}
        thing, route, expected, owe = things.of, routed.of, contract.expected, owing.append
        for op in operations:
            if not (op.type == "ok" and op.complete is not None and op.invoke < until):
                continue
            sid = stocktake_of(op)
            key, fingerprint, payload = expected_at(op, sid)
            where = (op.kind, op.hotel, sid)
            if key is None or not expected(*where):
                continue
            payloads[op.id] = payload
            owe((op.id, op.invoke, op.complete or op.invoke, op.complete, thing((key, fingerprint)),
                 not at_most(payload, MAX_EVENT_BYTES), route(where)))  # fmt: skip
        routes = [(number, event, channel) for where, number in routed.known.items()
                  for event, channel in contract.expected(*where)]  # fmt: skip
        frame = _by_columns(owing, _OWING).join(_by_columns(routes, _ROUTES), on="routed", maintain_order="left_right")
        window_end = pl.min_horizontal(pl.col("complete") + limit_s, pl.lit(until, pl.Float64))
        return cls(frame.select(*(window_end.alias(n) if n == "window_end" else n for n in _SCHEMA)), payloads, sockets)


def _by_columns(rows: list[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    """`rows` as a frame, built a column at a time: polars takes columns of Python values much quicker."""
    columns = zip(*rows, strict=True) if rows else ([] for _ in schema)
    return pl.DataFrame(dict(zip(schema, map(list, columns), strict=True)), schema=schema)


def owed(writes: pl.DataFrame, subscriptions: pl.DataFrame) -> pl.DataFrame:
    """One row per (listener, write, event, channel) the stream owes: subscribed by the write's invoke.
    Subscribed at the very invoke is kept (with `start`): the stream's answer then hangs on the order
    of equal times, so such a listener is left to it."""
    return writes.join(subscriptions, on="channel").filter(pl.col("start") <= pl.col("invoke"))
