"""The stream check folds what has settled, and says so where folding changes a verdict."""

from __future__ import annotations

import pytest

from harness.checks import check
from harness.checks.findings import Finding
from harness.checks.latency import BUCKET_S, QUANTILES, STEP, Latencies, merged, percentile
from harness.checks.stream import GRACE_S, LAG_S, RETAIN_S, ListenerStream
from harness.record.history import HistoryData, Observation
from harness.record.records import fields_of
from harness.spec.contract import Contract
from harness.testing import history_with
from tests.histories import LINE, event_text, healthy, names, patch_op, receipt


def _stream(history: HistoryData) -> ListenerStream:
    return ListenerStream(Contract(), history.meta["latency_limit_ms"] / 1000, history.meta)


def test_fed_as_it_grows_the_stream_holds_the_writes_in_flight_not_the_run() -> None:
    """30,000 receipts over 30 s of writes, fed a second at a time as a live run would: what the stream
    holds stays near one window's worth, and the whole run is still judged."""
    history = history_with(30_000, listeners=10)  # 3,000 writes, one per ms of history time
    stream = _stream(history)
    stream.feed(history.operations, [])
    held = []
    for second in range(1, 40):
        stream.feed([], [o for o in history.observations if second - 1 <= o.time < second])
        stream.advance(float(second))
        held.append(stream.holding())
    stream.feed([], [o for o in history.observations if o.time >= 39])
    stream.finish()
    assert stream.totals.matched == 30_000 and stream.totals.findings == []
    in_flight = (history.meta["latency_limit_ms"] / 1000 + GRACE_S + 1) * 1000  # writes per s of history
    assert max(h["writes"] for h in held) <= in_flight
    assert max(h["copies"] for h in held) <= (RETAIN_S + 2) * 1000 * 10
    assert stream.holding()["writes"] == stream.holding()["groups"] == 0
    assert max(h["samples"] for h in held) == 0, "a final check keeps no live samples: nothing takes them"
    assert len(stream.totals.slowest) == 3_000, "it keeps each change's slowest delivery instead"


def test_a_live_stream_samples_each_change_at_its_close_and_keeps_no_slowest() -> None:
    history = history_with(1_000, listeners=10)
    stream = ListenerStream(Contract(), history.meta["latency_limit_ms"] / 1000, history.meta, live=True)
    stream.feed(history.operations, history.observations)
    stream.finish()
    assert sorted(sample.operation for sample in stream.closed) == sorted(op.id for op in history.operations)
    assert all(sample.failures == [] for sample in stream.closed) and stream.totals.slowest == {}


def test_the_final_check_and_the_stream_fed_live_judge_alike() -> None:
    history = history_with(5_000, listeners=5)
    del history.observations[500:520]  # twenty receipts lost
    stream = _stream(history)
    stream.feed(history.operations, [])
    for second in range(1, 5):
        stream.feed([], [o for o in history.observations if second - 1 <= o.time < second])
        stream.advance(float(second))
    stream.feed([], [o for o in history.observations if o.time >= 4])
    stream.finish()
    final = check(history, Contract())
    missing = sorted((f.operation, f.listener) for f in final.findings if f.name == "missing-event")
    assert len(missing) == 20
    assert sorted((f.operation, f.listener) for f in stream.totals.findings) == missing


def test_records_fed_late_and_out_of_order_are_judged_as_the_whole_record_is() -> None:
    """A reader hands records over in batches, each out of order, some after a later batch's (threads,
    listener processes): as long as they are newer than what was judged, the verdict is the one
    the whole record in time order gets, findings included."""
    history = history_with(16_000, listeners=2)  # 8,000 writes over 8 s, each line changed every 0.2 s
    receipts = [o for o in history.observations if o.kind == "receipt"]
    for lost in receipts[1000:1012]:
        history.observations.remove(lost)
    for again in receipts[3000:3006]:
        history.observations.append(Observation(**{**fields_of(again), "time": again.time + 0.2}))
    history.observations.sort(key=lambda o: o.time)
    stream = _stream(history)
    stream.feed(history.operations, [])
    held_back: list[Observation] = []
    for second in range(1, 9):
        batch = [o for o in history.observations if second - 1 <= o.time < second]
        # older than some of this batch, but newer than this step's frontier (LAG_S back): they may wait
        late = [o for o in batch if second - LAG_S < o.time <= second - 0.3]
        stream.feed([], [*reversed([o for o in batch if o not in late]), *held_back])
        held_back = late
        stream.advance(float(second))
    stream.feed([], [*held_back, *[o for o in history.observations if o.time >= 8]])
    stream.finish()
    final = check(history, Contract())

    def found(findings: list[Finding]) -> list[tuple[str, int | None, str | None]]:
        return sorted((f.name, f.operation, f.listener) for f in findings)

    assert found(stream.totals.findings) == found(final.findings)
    assert {f.name for f in final.findings} == {"missing-event", "duplicate-event"}
    assert stream.totals.matched == final.counts["matched"] == 16_000 - 12


@pytest.mark.parametrize(("delay_s", "expected"), [(GRACE_S - 1, "late-event"), (GRACE_S + 2, "missing-event")])
def test_an_event_later_than_the_grace_is_judged_missing(delay_s: float, expected: str) -> None:
    """The price of folding, stated in stream.py: within the grace a late event is late; past it the
    write has been settled, and its event is held missing (a failure either way, never a pass)."""
    history = healthy()
    limit = history.meta["latency_limit_ms"] / 1000
    complete = history.operations[0].complete or 0.0
    history.observations = [o for o in history.observations if o.kind != "receipt"]
    history.observations.insert(-1, receipt("viewer", complete + limit + delay_s, event_text(LINE)))
    history.observations[-1] = Observation("truth", complete + limit + delay_s + 1, data=history.observations[-1].data)
    assert expected in names(history)


def test_a_second_copy_within_the_retention_is_a_duplicate_of_its_write() -> None:
    history = healthy()
    history.observations.insert(-1, receipt("viewer", 1.15 + RETAIN_S / 2, event_text(LINE)))
    (dup,) = [f for f in check(history, Contract()).findings if f.name == "duplicate-event"]
    assert dup.operation == 1


def test_a_write_with_no_listener_owed_leaves_nothing_behind() -> None:
    history = healthy()
    history.operations.append(patch_op(2, {**LINE, "counted_partial_units": "7.00"}, 0.01))  # before anyone subscribed
    stream = _stream(history)
    stream.feed(history.operations, history.observations)
    stream.finish()
    assert stream.holding()["writes"] == 0 and stream.totals.matched == 1


def test_latency_buckets_answer_a_measured_latency_within_ten_microseconds_or_one_percent() -> None:
    samples = [0.001 * n + 0.000_003 * (n % 7) for n in range(1, 2001)] + [2.5]
    counted = Latencies()
    for value in reversed(samples):
        counted.add(value)
    ordered = sorted(samples)
    for q, value in zip(QUANTILES, counted.percentiles(QUANTILES), strict=True):
        exact = percentile(ordered, q)
        assert value in samples and abs(value - exact) <= max(BUCKET_S, exact * (STEP - 1))
    assert len(counted.buckets) < 700, "a few hundred buckets, not one per sample"
    fast = Latencies()
    for n in range(150):
        fast.add(0.0001 + n * 0.00001)
    assert fast.percentiles([50]) == [percentile([0.0001 + n * 0.00001 for n in range(150)], 50)]
    assert counted.summary()["max"] == 2500.0 and counted.summary()["count"] == len(samples)
    halves = Latencies(), Latencies()
    for n, value in enumerate(samples):
        halves[n % 2].add(value)
    assert merged(halves).summary() == counted.summary()
