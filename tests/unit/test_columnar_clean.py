"""Each criterion of a clean listener alone rules one out: a healthy synthetic history of three
listeners, with one thing unusual done to viewer-1. The criterion names it, the others stay clean,
and the accelerated check still judges as the plain stream does."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from harness.checks.columnar import clean, receipts_frame, texts
from harness.checks.columnar.buckets import with_buckets
from harness.checks.columnar.codes import Codes
from harness.checks.columnar.engine import Judge, clean_split, judging
from harness.checks.latency import LINEAR_UP_TO_S, STEP, bucket_of
from harness.record.history import FAILURE, HistoryData, Observation, Operation
from harness.spec.contract import Contract
from harness.testing import history_with
from harness.testing.synthetic import CHANNEL
from tests.unit.test_columnar_exact import _both

LIMIT_S = 2.0
ONE = "viewer-1"


def _base() -> HistoryData:
    return history_with(600, listeners=3)


def _receipts(h: HistoryData) -> list[int]:
    return [i for i, o in enumerate(h.observations) if o.kind == "receipt" and o.listener == ONE]


def _moved(h: HistoryData, index: int, by_s: float) -> None:
    h.observations[index] = replace(h.observations[index], time=h.observations[index].time + by_s)
    h.observations.sort(key=lambda o: o.time)


def died(h: HistoryData) -> None:
    h.observations.append(Observation(FAILURE, 1.5, ONE, data={"error": "worker died"}))


def disconnected(h: HistoryData) -> None:
    h.observations.append(Observation("disconnect", 1.9, ONE, "1.1"))


def subscribed_twice(h: HistoryData) -> None:
    h.observations.insert(5, Observation("subscribed", 0.001, ONE, "1.1", CHANNEL))


def without_event(h: HistoryData) -> None:
    h.observations[_receipts(h)[3]].event = None


def holds_a_writers_socket(h: HistoryData) -> None:
    h.operations.append(Operation(999, "counter-2", "patch_line", "hotel-bench", "hotel-bench", {"stocktake_id": 1},
                                  "1.1", 1.2, "fail", 1.3, 400))  # fmt: skip


def unknown_event(h: HistoryData) -> None:
    h.observations[_receipts(h)[3]].event = "line_counted_updated"


def duplicated(h: HistoryData) -> None:
    h.observations.insert(_receipts(h)[3] + 1, replace(h.observations[_receipts(h)[3]]))


def dropped(h: HistoryData) -> None:
    del h.observations[_receipts(h)[3]]


def subscribed_at_an_invoke(h: HistoryData) -> None:
    index = next(i for i, o in enumerate(h.observations) if o.kind == "subscribed" and o.listener == ONE)
    h.observations[index] = replace(h.observations[index], time=1.0)
    h.observations.sort(key=lambda o: o.time)


def late(h: HistoryData) -> None:
    _moved(h, _receipts(h)[3], 2.5)


def edited(h: HistoryData) -> None:
    index = _receipts(h)[3]
    h.observations[index].data = h.observations[index].data.replace('"counted_qty": "88.0000"', '"counted_qty": "1"')


def reordered(h: HistoryData) -> None:
    _moved(h, _receipts(h)[3], 0.05)


def paged_at_a_receipt(h: HistoryData) -> None:
    index = next(i for i, o in enumerate(h.observations) if o.kind == "snapshot" and o.listener == ONE)
    h.observations[index] = replace(h.observations[index], time=h.observations[_receipts(h)[3]].time)
    h.observations.sort(key=lambda o: o.time)


CASES: list[tuple[Callable[[HistoryData], None], Callable[[clean.Judging], pl.Series]]] = [
    (died, clean.unusual),
    (disconnected, clean.unusual),
    (subscribed_twice, clean.unusual),
    (without_event, clean.unusual),
    (holds_a_writers_socket, clean.may_echo),
    (unknown_event, clean.badly_routed),
    (duplicated, clean.not_one_to_one),
    (dropped, clean.not_one_to_one),
    (subscribed_at_an_invoke, clean.subscribed_at_invoke),
    (late, clean.outside_window),
    (edited, clean.differs),
    (reordered, clean.swapped),
    (paged_at_a_receipt, clean.at_snapshot),
]


def _judging(h: HistoryData) -> clean.Judging:
    found = judging(h, receipts_frame(h.observations), Judge(Contract(), LIMIT_S))
    assert found is not None
    return found


def test_the_healthy_base_is_clean_by_every_criterion() -> None:
    judged = _judging(_base())
    assert all(criterion(judged).is_empty() for criterion in clean.CRITERIA)


@pytest.mark.parametrize(("unusual", "criterion"), CASES, ids=[case.__name__ for case, _ in CASES])
def test_each_criterion_alone_rules_a_listener_out(
    unusual: Callable[[HistoryData], None],
    criterion: Callable[[clean.Judging], pl.Series],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = _base()
    unusual(history)
    assert ONE in criterion(_judging(history)).to_list()
    assert clean_split(history, receipts_frame(history.observations), Judge(Contract(), LIMIT_S)).clean == {
        "viewer-0",
        "viewer-2",
    }
    accelerated, streamed = _both(history, monkeypatch)
    assert accelerated == streamed


def test_an_event_over_pusher_s_limit_owed_rules_out_every_listener_owed_it() -> None:
    history = _base()
    body = {**history.operations[0].body, "padding": "x" * 11_000}
    history.operations.append(replace(history.operations[0], id=1000, invoke=1.3, complete=1.31, body=body))
    assert set(clean.unsendable(_judging(history)).to_list()) == {"viewer-0", "viewer-1", "viewer-2"}


def test_buckets_are_bucket_of_s_on_every_edge_and_between() -> None:
    rng = random.Random(34)
    latencies = [rng.uniform(0, 0.004) for _ in range(20_000)] + [rng.expovariate(20) for _ in range(20_000)]
    latencies += [k * 1e-5 for k in range(300)] + [LINEAR_UP_TO_S * STEP**k for k in range(1500)]
    buckets = with_buckets(pl.DataFrame({"latency": latencies})).get_column("bucket").to_list()
    assert buckets == [bucket_of(latency) for latency in latencies]


def test_texts_sharing_a_hash_leave_the_history_to_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """Distinct texts are told apart by a hash: were two to share one, the frames could not tell them
    apart, so nothing is judged by them and the stream judges all."""
    history = _base()
    frame = receipts_frame(history.observations)
    assert judging(history, frame, Judge(Contract(), LIMIT_S)) is not None
    monkeypatch.setattr(texts, "_HASH", (pl.col("e").cast(pl.UInt64) * 0).alias("h"))
    assert judging(history, frame, Judge(Contract(), LIMIT_S)) is None
    assert not clean_split(history, frame, Judge(Contract(), LIMIT_S)).clean


def test_a_text_of_a_share_before_that_shares_a_hash_leaves_the_share_to_the_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Shares of one history keep what each text says (`Judge.texts`): a text of a later share that
    hashes like a different one read before could take its reading, so that share is not judged by
    the frames. A share alone with the same text is (the control)."""
    history = _base()
    frame = receipts_frame(history.observations)
    first, other = frame.get_column("text").unique(maintain_order=True).to_list()[:2]
    monkeypatch.setattr(texts, "_HASH", (pl.col("e").cast(pl.UInt64) * 0).alias("h"))
    judge = Judge(Contract(), LIMIT_S)
    assert judging(history, frame.filter(pl.col("text") == first), judge) is not None
    assert judging(history, frame.filter(pl.col("text") == other), judge) is None
    assert judging(history, frame.filter(pl.col("text") == other), Judge(Contract(), LIMIT_S)) is not None


def test_shares_read_each_text_route_and_difference_once() -> None:
    """A fan-out repeats each text in every share: the second share of the same texts reads none
    anew, routes no (text, channel) anew and diffs no (write, text) anew."""
    history = _base()
    frame = receipts_frame(history.observations)
    listeners = frame.get_column("listener").unique().sort().to_list()
    judge = Judge(Contract(), LIMIT_S)
    judging(history, frame.filter(pl.col("listener") == listeners[0]), judge)
    read = (len(judge.texts.read_as), judge.texts.routes.height)
    judged = clean_split(history, frame.filter(pl.col("listener") == listeners[1]), judge)
    assert judged.clean == {listeners[1]}
    assert (len(judge.texts.read_as), judge.texts.routes.height) == read
    diffed = judge.texts.differing.height
    clean_split(history, frame.filter(pl.col("listener") == listeners[2]), judge)
    assert judge.texts.differing.height == diffed == frame.select("text").n_unique()


def test_things_numbered_by_the_texts_or_by_the_writes_first_judge_alike() -> None:
    """The receipts' polars work runs in a thread while Python reads the writes owed (`judging`), so
    the writes number the things they owe before the texts do, where the texts used to be first. The
    numbers only join: either order gives the same clean listeners and the same part."""
    history = _base()
    subscribed_twice(history)  # one listener left to the stream
    frame = receipts_frame(history.observations)
    texts_first = Judge(Contract(), LIMIT_S)
    codes = Codes.of(frame)
    assert codes is not None
    texts_first.texts.read(texts_first.texts.hashed(frame, codes), codes)
    writes_first = Judge(Contract(), LIMIT_S)
    splits = [clean_split(history, frame, judge) for judge in (texts_first, writes_first)]
    assert texts_first.texts.things.known != writes_first.texts.things.known
    assert splits[0].clean == splits[1].clean == {"viewer-0", "viewer-2"}
    for part in (split.part for split in splits):
        part.seconds = {}
    assert splits[0].part == splits[1].part


@pytest.mark.parametrize(
    ("times", "seqs"),
    [
        ([0.1, 0.2, 0.2, 0.3], [5, 1, 2, 0]),  # in order already, ties at equal times broken by seq
        ([0.2, 0.1, 0.3, 0.4], [0, 1, 2, 3]),  # a time out of order
        ([0.1, 0.2, 0.2, 0.3], [0, 2, 1, 3]),  # equal times, seq out of order
        ([0.1, None, 0.3, 0.4], [0, 1, 2, 3]),  # no time: not taken for in order
        ([0.1, float("nan"), 0.3, 0.4], [0, 1, 2, 3]),
        ([0.1, 0.3, 0.4, float("nan")], [0, 1, 2, 3]),
        ([None, 0.1, 0.3, 0.4], [0, 1, 2, 3]),
        ([0.5], [0]),
        ([], []),
    ],
)
def test_pairs_are_put_in_arrival_order_as_a_sort_would(times: list[float | None], seqs: list[int]) -> None:
    """`pairs_of` sorts only what is out of order: what it gives is the sort's, whatever the order."""
    frame = pl.DataFrame({"time": times, "seq": seqs, "row": range(len(times))}, schema={"time": pl.Float64,
                         "seq": pl.UInt32, "row": pl.Int64})  # fmt: skip
    assert_frame_equal(clean.in_arrival_order(frame), frame.sort("time", "seq"))
