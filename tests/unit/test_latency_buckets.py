"""`Latencies.add_all` buckets a sorted batch in C (`latency.sorted_buckets`): each latency must land in
the bucket `buckets_of` gives it, one by one, at the edges too (the linear buckets' end, a step's)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from harness.checks.latency import LINEAR_UP_TO_S, STEP, buckets_of, sorted_buckets

_EDGES = [LINEAR_UP_TO_S * STEP**k for k in range(0, 400, 7)] + [LINEAR_UP_TO_S, 0.0, 1e-5, 0.00199999]
_LATENCY = (
    st.floats(min_value=-1.0, max_value=3600.0, allow_nan=False)
    | st.sampled_from(_EDGES)
    | st.sampled_from(_EDGES).map(lambda edge: edge * (1 - 1e-15))
)


@given(st.lists(_LATENCY, max_size=300))
def test_a_sorted_batch_lands_in_the_buckets_each_latency_does(latencies: list[float]) -> None:
    ordered = sorted(latencies)
    assert sorted_buckets(ordered) == buckets_of(ordered)


def test_the_linear_buckets_end_where_the_stepped_ones_begin() -> None:
    ordered = [0.0, 1e-5, 0.00199999, LINEAR_UP_TO_S, LINEAR_UP_TO_S * STEP, 1.0]
    assert sorted_buckets(ordered) == buckets_of(ordered) == [0, 1, 199, 200, 201, 200 + 624]
