"""Which listeners are clean: provably ones the Python stream would give no finding at all, so that
what it would say of them is only counts, latencies and slowest deliveries (`results.py`).

Every criterion is conservative: anything the frames cannot settle exactly (a listener that died,
disconnected, may echo, was owed two identical copies, got one at the edge of a window, or at the
very time of its page's snapshot) leaves the listener to the stream. Each criterion names the
listeners it rules out, so each can be tested alone (`unclean`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from .owing import Listeners, Writes
from .texts import Texts

Criterion = Callable[["Judging"], pl.Series]


@dataclass
class Judging:
    """What the criteria look at: the receipts (with their texts' ids), the owed rows, and each
    receipt paired with the one write that owes its (listener, channel, event, thing)."""

    receipts: pl.DataFrame
    owed: pl.DataFrame
    pairs: pl.DataFrame
    listeners: Listeners
    writes: Writes
    texts: Texts
    limit_s: float


def pairs_of(receipts: pl.DataFrame, owed: pl.DataFrame) -> pl.DataFrame:
    """Each receipt with the write its key (listener, channel, event, thing: `codes.py`) was owed by, in
    arrival order (time, then record order); a key owed or received more than once pairs several ways,
    and its listener is not clean. Only the receipts' columns the criteria and results read of a pair
    are joined."""
    paired = receipts.drop("socket_id", "e", "thing", "routed_clean")
    return in_arrival_order(paired.join(owed.select("key", "op", "invoke", "when", "window_end"), on="key"))


def in_arrival_order(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` sorted by time, then seq. A join most often leaves a run's receipts in that order
    already: the sort's order, asked alone, costs far less than the gather of every column it then
    does, and is the sort's own (its nulls and NaN where the sort puts them)."""
    order = pl.arg_sort_by("time", "seq") == pl.int_range(pl.len(), dtype=pl.get_index_type())
    return frame if frame.select(order.all()).item() else frame.sort("time", "seq")


def _listeners(frame: pl.DataFrame) -> pl.Series:
    return frame.get_column("listener").unique()


def unusual(j: Judging) -> pl.Series:
    """Died, disconnected, subscribed twice to a channel (or to none), or got a receipt missing its
    channel, event or text."""
    return pl.Series("listener", sorted(j.listeners.unusual), pl.String)


def may_echo(j: Judging) -> pl.Series:
    """Holds a connection some write was sent from: its own events are echo questions."""
    held = [listener for listener, sockets in j.listeners.sockets.items() if sockets & j.writes.sockets]
    by_receipt = j.receipts.filter(pl.col("socket_id").is_in(list(j.writes.sockets)))
    return pl.concat([pl.Series("listener", held, pl.String), _listeners(by_receipt)])


def badly_routed(j: Judging) -> pl.Series:
    """A receipt routing judges wrong (size, name, channel, envelope), or with no entity to match."""
    return _listeners(j.receipts.filter(~pl.col("routed_clean") | pl.col("thing").is_null()))


def not_one_to_one(j: Judging) -> pl.Series:
    """A (listener, channel, event, thing) owed or received other than exactly once (owed on a channel
    or as an event no receipt names: never received). Told per listener, without a group per key: its
    receipts, the copies owed it, its pairs and the distinct keys among them are as many exactly when
    every key of its is owed once and received once."""
    got = j.receipts.group_by("l").agg(pl.len().alias("got"), pl.col("listener").first())
    owed = j.owed.filter(pl.col("key").is_not_null()).group_by("l").agg(pl.len().alias("owed"))
    paired = j.pairs.group_by("l").agg(pl.len().alias("paired"), pl.col("key").n_unique().alias("keys"))
    counts = got.join(owed, on="l", how="left").join(paired, on="l", how="left")
    counted = [pl.col(name).fill_null(0) for name in ("got", "owed", "paired", "keys")]
    alike = (counted[0] == counted[1]) & (counted[1] == counted[2]) & (counted[2] == counted[3])
    return pl.concat([_listeners(counts.filter(~alike)), _listeners(j.owed.filter(pl.col("key").is_null()))])


def subscribed_at_invoke(j: Judging) -> pl.Series:
    """Subscribed at the very time a write to its channel was invoked (an order of equal times)."""
    return _listeners(j.owed.filter(pl.col("start") == pl.col("invoke")))


def outside_window(j: Judging) -> pl.Series:
    """A copy before its write's invoke, later than the limit, or after its window (the grace's edge)."""
    latency = pl.col("time") - pl.col("invoke")
    return _listeners(j.pairs.filter((latency < 0) | (latency > j.limit_s) | (pl.col("time") > pl.col("window_end"))))


def unsendable(j: Judging) -> pl.Series:
    """Owed an event over Pusher's 10 KB: no copy can be it."""
    return _listeners(j.owed.filter(pl.col("unsendable")))


def differs(j: Judging) -> pl.Series:
    """A copy whose payload differs from its write's response (`payload_diff`, once per distinct pair)."""
    bad = j.texts.differ(j.pairs.select("op", "text_id").unique(), j.writes.payloads)
    return _listeners(j.pairs.join(bad, on=["op", "text_id"], how="semi"))


def swapped(j: Judging) -> pl.Series:
    """A line delivery whose write completed before one delivered earlier was invoked, on its line or
    its channel (`ordering.py`: a running max of invoke in arrival order)."""
    lines = j.pairs.filter(pl.col("line").is_not_null())
    before_line = pl.col("invoke").cum_max().shift(1).over("l", "line")
    before_channel = pl.col("invoke").cum_max().shift(1).over("l", "c")
    return _listeners(lines.filter((pl.col("when") < before_line) | (pl.col("when") < before_channel)))


def at_snapshot(j: Judging) -> pl.Series:
    """A receipt at the very time of its listener's first snapshot: whether its page takes it hangs
    on the order of equal times."""
    return _listeners(j.receipts.filter(pl.col("time") == j.listeners.paged_since()))


CRITERIA: tuple[Criterion, ...] = (unusual, may_echo, badly_routed, not_one_to_one, subscribed_at_invoke,
                                   outside_window, unsendable, differs, swapped, at_snapshot)  # fmt: skip


def unclean(j: Judging) -> set[str]:
    """Every listener some criterion rules out. `differs` reads payloads in Python; the others are
    polars alone and run in a thread meanwhile (polars lets go of the GIL)."""
    with ThreadPoolExecutor(1) as pool:
        others = pool.submit(lambda: [criterion(j) for criterion in CRITERIA if criterion is not differs])
        ruled_out = [differs(j), *others.result()]
    return set(pl.concat(ruled_out).unique().to_list())
