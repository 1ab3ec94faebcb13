"""The one checker's three drivers run over a `Record` (`sync_model.py`), each fed the way a run feeds it:
the final check of the history in memory (`checks.check`, serially or in forked shares of the
listeners), the file check (`check_file`, with one reader or N each judging a share of the listeners,
optionally folding every few records rather than every FEED_EVERY, and with some listeners' records
in a listener process's segment), and the live check (`LiveCheck`), updated after every step of the
record and then once more with the record complete. The thresholds that choose those ways for a large
history are patched, so a small one takes them.

A run's recorder stamps an answer with its own clock (`History.now`): here that clock is the
record's, so a driver's history holds the times the model chose.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import polars as pl

from harness.check_file import check_file
from harness.checks import CheckResult, check
from harness.checks.deliveries import DeliveryLog
from harness.checks.findings import Finding
from harness.checks.live import LiveCheck
from harness.record.deliveries_table import DeliveriesTable
from harness.record.history import History, Operation
from harness.spec.contract import Contract
from tests.property.sync_model import LIMIT_S, Record


@dataclass
class Clock:
    now: float = 0.0


def replay(
    record: Record,
    history: History,
    at_step: Callable[[float], object] = lambda now: None,
    elsewhere: frozenset[str] = frozenset(),
) -> None:
    """Record every event of `record` into `history` as it happened (an operation invoked, then
    answered on the same object), calling `at_step` with each step's time once everything up to it is
    recorded; then the run quiesces and the truth is taken. The observations of the listeners
    `elsewhere` (a listener process's) are left out."""
    clock = Clock()
    mine: dict[int, Operation] = {}
    steps = iter(record.steps)
    step = next(steps, None)
    with mock.patch.object(History, "now", staticmethod(lambda: clock.now)):
        for event in record.events():
            while step is not None and step < event.time:
                at_step(step)
                step = next(steps, None)
            clock.now = event.time
            if event.op is not None and event.kind == "invoke":
                op = mine[event.op.id] = dataclasses.replace(
                    event.op, type="invoke", complete=None, status=None, body=None
                )
                history.add_operation(op)
            elif event.op is not None:
                history.complete(mine[event.op.id], event.op.status, event.op.body, event.op.error)
            elif event.obs is not None and event.obs.listener not in elsewhere:
                history.append(event.obs)
        for rest in [step, *steps]:
            if rest is not None:
                at_step(rest)
        clock.now = record.quiesced_at()
        history.set_meta(quiesced_at=clock.now)
        history.append(record.truth())
        for obs in record.stopped():
            if obs.listener not in elsewhere:
                clock.now = obs.time
                history.append(obs)


def final_check(record: Record, in_shares: bool = False) -> CheckResult:
    """`in_shares`: the listeners judged in forked shares, as a history with many receipts is. Each
    delivery judged is logged (`CheckResult.deliveries`), as a run folder's table is."""
    if not in_shares:
        return check(record.history(), Contract(), deliveries=True)
    with mock.patch("harness.checks.parts.PARALLEL_MIN_RECEIPTS", 0):
        return check(record.history(), Contract(), deliveries=True)


def write_file(record: Record, folder: Path, elsewhere: frozenset[str] = frozenset()) -> Path:
    """The run's file; the records of the listeners `elsewhere` folded in at its end, as a listener
    process's are (`History.begin_segment`)."""
    path = folder / f"history-{len(elsewhere)}.jsonl.zst"
    history = History(path, record.meta(), receipts=False, operations=False)
    replay(record, history, elsewhere=elsewhere)
    if elsewhere:
        history.begin_segment("listeners-1")
        observations = [event.obs for event in record.events() if event.obs is not None] + record.stopped()
        for obs in observations:
            if obs.listener in elsewhere:
                history.append(obs, live=False)
    history.close()
    return path


def file_check(path: Path, readers: int = 1, feed_every: int | None = None) -> CheckResult:
    """The file read as a stream, as `check_file` reads one of more than FRAME_MOST receipts not
    recorded as columns: `readers` share the listeners (forked, as `check_file` forks them for a large
    file); `feed_every`: how many of a listener's records a reader holds before it judges what has
    settled (FEED_EVERY otherwise, more than a small record has: it is judged at the end). The
    readers started apart keep FEED_EVERY: only this process's is patched."""
    with ExitStack() as patched:
        patched.enter_context(mock.patch("harness.check_file.FRAME_MOST", -1))
        patched.enter_context(mock.patch("harness.check_file.check_in_shares", return_value=None))
        patched.enter_context(mock.patch("harness.check_file._readers", return_value=readers))
        if feed_every is not None:
            patched.enter_context(mock.patch("harness.checks.streamed.FEED_EVERY", feed_every))
        return tabled_check(path)


def shares_check(path: Path, most: int) -> CheckResult:
    """The file judged by the columnar engine a share of the listeners at a time, each share of at most
    `most` receipts (a listener with more alone), as `check_file` judges a file of more than FRAME_MOST
    receipts recorded as columns; never read as a stream instead."""
    with (
        mock.patch("harness.check_file.FRAME_MOST", -1),
        mock.patch("harness.check_shares.SHARE_MOST", most),
        mock.patch("harness.check_file._read", side_effect=AssertionError("read as a stream, not in shares")),
    ):
        return tabled_check(path)


def tabled_check(path: Path) -> CheckResult:
    """`check_file` as a run's end calls it, the deliveries it wrote into the folder's table read back
    into the result (`CheckResult.deliveries`)."""
    table = DeliveriesTable.beside(path)
    result = check_file(path, deliveries=table)[1]
    result.deliveries = DeliveryLog(frames=[pl.read_parquet(table.files())])
    return result


@dataclass
class Seen:
    """What the live check showed after one update."""

    now: float | None
    findings: list[Finding]
    due: list[Finding]  # of `findings`: deliveries missing at their window's close, not yet settled
    judged: dict[str, int]


@dataclass
class LiveRun:
    seen: list[Seen] = field(default_factory=list)

    @property
    def last(self) -> Seen:
        return self.seen[-1]


def live_check(record: Record) -> LiveRun:
    history = History(meta=record.meta())
    live = LiveCheck(Contract(), LIMIT_S, history)
    run = LiveRun()

    def update(now: float | None) -> None:
        live.update(history, now)
        run.seen.append(Seen(now, list(live.findings), live.stream.due(), dict(live.judged)))

    replay(record, history, update)
    update(None)
    return run


@dataclass
class Runs:
    """One record checked by every driver."""

    final: CheckResult
    others: dict[str, CheckResult]  # the final check in shares, and the file checks by how it was read
    live: LiveRun


@dataclass(frozen=True)
class Reading:
    """How the file is read besides by one reader at the end: `readers` sharing the listeners, each
    folding every `feed_every` records; and which listeners' records a listener process wrote
    (`elsewhere`, for one more file)."""

    readers: int = 2
    feed_every: int = 2
    elsewhere: frozenset[str] = frozenset()
    share_most: int = 2


def every_driver(record: Record, reading: Reading = Reading()) -> Runs:
    n, every, elsewhere = reading.readers, reading.feed_every, reading.elsewhere
    with tempfile.TemporaryDirectory() as folder:
        path, parted = write_file(record, Path(folder)), write_file(record, Path(folder), elsewhere)
        others = {
            "final, listeners in shares": final_check(record, in_shares=True),
            "file, 1 reader": tabled_check(path),
            "file, 1 reader as a stream": file_check(path),
            f"file, 1 reader folding every {every}": file_check(path, 1, every),
            f"file, {n} readers folding every {every}": file_check(path, n, every),
            f"file, {sorted(elsewhere)} in a segment, {n} readers folding every {every}": file_check(parted, n, every),
            f"file, columnar shares of {reading.share_most} receipts": shares_check(path, reading.share_most),
            f"file, {sorted(elsewhere)} in a segment, columnar shares": shares_check(parted, reading.share_most),
        }
    return Runs(final_check(record), others, live_check(record))
