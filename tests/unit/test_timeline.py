"""The timeline the stream and the live check take their due work from gives what a heap of
(when, order added) gives: earliest first, ties in the order added, however entries are added and
taken in between."""

from __future__ import annotations

import heapq
import itertools
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from harness.checks import timeline as timeline_module
from harness.checks.timeline import Timeline

Step = tuple[str, float, int]
_TIMES = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, float("inf")])
_STEPS = st.lists(
    st.tuples(st.sampled_from(["add", "add", "take", "all"]), _TIMES, st.integers(0, 1))
    | st.tuples(st.just("add"), st.floats(min_value=0.0, max_value=3.0), st.integers(0, 1)),
    max_size=300,
)


@given(_STEPS, st.sampled_from([1, 2]), st.sampled_from([2, 1024]))
def test_a_timeline_takes_what_a_heap_pops(steps: list[Step], lanes: int, compact: int) -> None:
    """In one lane or two, whichever each entry is added to; `compact`: taken entries dropped after a
    few (as a long run's are), or not within the steps."""
    with mock.patch.object(timeline_module, "_COMPACT", compact):
        _hold_against_a_heap(steps, lanes)


def _hold_against_a_heap(steps: list[Step], lanes: int) -> None:
    timeline: Timeline[int] = Timeline(lanes)
    heap: list[tuple[float, int]] = []
    added = itertools.count()
    for action, when, lane in steps:
        if action == "add":
            n = next(added)
            timeline.add(when, n, lane % lanes)
            heapq.heappush(heap, (when, n))
        else:
            before = None if action == "all" else when
            expected = []
            while heap and (before is None or heap[0][0] < before):
                expected.append(heapq.heappop(heap))
            assert [(at, what) for at, _, what in timeline.take(before)] == expected
        assert len(timeline) == len(heap)
        assert timeline.first() == (heap[0][0] if heap else float("inf"))


def test_a_long_timeline_drops_what_it_took_and_keeps_its_order() -> None:
    """Past the compaction threshold, out-of-order entries still land after the head."""
    timeline: Timeline[int] = Timeline()
    for n in range(5000):
        timeline.add(float(n), n)
    assert [what for _, _, what in timeline.take(3000.0)] == list(range(3000))
    timeline.add(10.0, -1)  # earlier than everything left: next, not among the entries taken
    assert timeline.first() == 10.0
    assert [what for _, _, what in timeline.take(3002.0)] == [-1, 3000, 3001]
    assert len(timeline) == 1998
