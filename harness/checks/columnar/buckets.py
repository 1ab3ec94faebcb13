"""Latency buckets (`latency.bucket_of`) for a column of latencies, exactly as Python gives them.

polars may round otherwise than Python in the last bit (a division by a constant becomes a
multiplication by its inverse; its logarithm is not the C library's), which moves a latency lying
on a bucket's edge into its neighbour. So the few latencies whose scaled value lies within EDGE of
a whole number are bucketed by `bucket_of` itself; the others are far from any edge.
"""

from __future__ import annotations

import math

import polars as pl

from ..latency import BUCKET_S, LINEAR_UP_TO_S, STEP, bucket_of

EDGE = 1e-9
_LINEAR = int(LINEAR_UP_TO_S / BUCKET_S)
_SCALED = (pl.col("latency") / LINEAR_UP_TO_S).log() / math.log(STEP)
_LINEAR_PART = pl.col("latency") < LINEAR_UP_TO_S
_VALUE = pl.when(_LINEAR_PART).then(pl.col("latency") / BUCKET_S).otherwise(_LINEAR + _SCALED)
_BUCKET = _VALUE.floor()
_ON_EDGE = (_VALUE - _VALUE.round()).abs() < EDGE


def with_buckets(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (with a `latency` column, s) with each latency's `bucket`."""
    marked = frame.with_columns(_BUCKET.cast(pl.Int64).alias("bucket"), _ON_EDGE.alias("on_edge"))
    edges = marked.get_column("on_edge")
    if not edges.any():
        return marked.drop("on_edge")
    exact = [bucket_of(latency) for latency in marked.filter(edges).get_column("latency")]
    fixed = marked.get_column("bucket").scatter(edges.arg_true(), pl.Series(exact, dtype=pl.Int64))
    return marked.with_columns(fixed).drop("on_edge")
