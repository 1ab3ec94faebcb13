"""What the stream would say of clean listeners, computed over their pairs at once: receipts and
matches, judged counts (`ListenerStream.judged`, `_settle`), latency buckets per event and per
listener (`latency.bucket_of`'s buckets, built by a group_by), each change's slowest delivery, and
the latest line event each page received after its snapshot (`views.fold_line_event`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import polars as pl

from ..delivery import JUDGED_AS
from ..latency import Latencies
from ..owed import DELIVER
from ..parts import Part
from ..views import LatestLines
from .buckets import with_buckets
from .texts import Texts

_LATENCY = (pl.col("time") - pl.col("invoke")).alias("latency")


def clean_part(pairs: pl.DataFrame, texts: Texts) -> Part:
    """`pairs`: the clean listeners' receipts, each with the one write it matched."""
    delivered = with_buckets(pairs.with_columns(_LATENCY))
    count = delivered.height
    part = Part(receipts=count, matched=count, judged=_judged(delivered, texts))
    part.by_event = _latencies(delivered, "event")
    part.by_listener = {listener: values.summary() for listener, values in _latencies(delivered, "listener").items()}
    slowest = delivered.group_by("op", "event").agg(pl.col("latency").max())
    ops, events, latencies = (slowest.get_column(name).to_list() for name in ("op", "event", "latency"))
    part.slowest = dict(zip(zip(ops, events, strict=True), latencies, strict=True))
    return part


def _latencies(delivered: pl.DataFrame, by: str) -> dict[str, Latencies]:
    buckets = delivered.group_by(by, "bucket").agg(pl.len().alias("n"), pl.col("latency").max().alias("largest"))
    out: dict[str, Latencies] = {}
    for name, bucket, n, largest in buckets.iter_rows():
        values = out.get(name)
        if values is None:
            values = out[name] = Latencies()
        values.buckets[bucket] = [n, largest]
        values.count += n
    return out


def _judged(delivered: pl.DataFrame, texts: Texts) -> Counter[str]:
    """Every receipt is judged for duplicates and by the routing checks that applied to it, every
    delivery for payload and latency (and order, if of a line), every owed copy for missing."""
    count = delivered.height
    judged: Counter[str] = Counter()
    applied = texts.checks_applied()
    for number, receipts in delivered.group_by("applied").len().iter_rows():
        for name in applied[number]:
            judged[name] += receipts
    judged["duplicate-event"] += count
    judged["out-of-order"] += count - delivered.get_column("line").null_count()
    judged["payload-mismatch"] += count
    judged["late-event"] += count
    judged[JUDGED_AS[DELIVER]] += count
    return judged


def latest_lines(arrived: pl.DataFrame, paged_since: pl.Expr, texts: Texts) -> LatestLines:
    """Each paged listener's latest line event per (channel, line), among those after its first
    snapshot (`paged_since`): what `fold_line_event` leaves the stream holding, each (channel, line)
    where the stream first kept one. `arrived`: receipts in arrival order."""
    after = arrived.filter(pl.col("line_event") & (pl.col("time") > paged_since))
    last = after.group_by("listener", "channel", "line", maintain_order=True).agg(pl.col("time", "text_id").last())
    lines = {number: line_id for line_id, number in texts.lines.known.items()}
    latest: LatestLines = {}
    for listener, channel, line, time, text_id in last.iter_rows():
        line_id: Any = None if line is None else lines[line]
        latest.setdefault(listener, {})[(channel, line_id)] = (time, texts.data(text_id))
    return latest
