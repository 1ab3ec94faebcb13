"""The one checker's three drivers run over a `Record` (`sync_model.py`), each fed the way a run feeds it:
the final check of the history in memory (`checks.check`), the file check (`check_file`, with one
reader or N each judging a share of the listeners, and optionally folding every few records rather
than every FEED_EVERY), and the live check (`LiveCheck`), updated after every step of the record and
then once more with the record complete.

A run's recorder stamps an answer with its own clock (`History.now`): here that clock is the
record's, so a driver's history holds the times the model chose.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from harness.check_file import check_file
from harness.checks import CheckResult, check
from harness.checks.findings import Finding
from harness.checks.live import LiveCheck
from harness.record.history import History, Operation
from harness.spec.contract import Contract
from tests.property.sync_model import LIMIT_S, Record


@dataclass
class Clock:
    now: float = 0.0


def replay(record: Record, history: History, at_step: Callable[[float], object] = lambda now: None) -> None:
    """Record every event of `record` into `history` as it happened (an operation invoked, then
    answered on the same object), calling `at_step` with each step's time once everything up to it is
    recorded; then the run quiesces and the truth is taken."""
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
            elif event.obs is not None:
                history.append(event.obs)
        for rest in [step, *steps]:
            if rest is not None:
                at_step(rest)
        clock.now = record.quiesced_at()
        history.set_meta(quiesced_at=clock.now)
        history.append(record.truth())


def final_check(record: Record) -> CheckResult:
    return check(record.history(), Contract())


def write_file(record: Record, folder: Path) -> Path:
    path = folder / "history.jsonl.zst"
    history = History(path, record.meta(), receipts=False, operations=False)
    replay(record, history)
    history.close()
    return path


def file_check(path: Path, readers: int = 1, feed_every: int | None = None) -> CheckResult:
    """`readers`: how many share the listeners (forked, as `check_file` forks them for a large file).
    `feed_every`: how many of a listener's records a reader holds before it judges what has settled
    (by default FEED_EVERY, more than a small record has: it is judged at the end)."""
    with mock.patch("harness.check_file._readers", return_value=readers):
        if feed_every is None:
            return check_file(path)[1]
        with mock.patch("harness.checks.streamed.FEED_EVERY", feed_every):
            return check_file(path)[1]


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
    files: dict[str, CheckResult]  # by how the file was read
    live: LiveRun


def every_driver(record: Record, readers: int = 2, feed_every: int = 2) -> Runs:
    with tempfile.TemporaryDirectory() as folder:
        path = write_file(record, Path(folder))
        files = {
            "file, 1 reader": file_check(path),
            f"file, 1 reader folding every {feed_every}": file_check(path, 1, feed_every),
            f"file, {readers} readers folding every {feed_every}": file_check(path, readers, feed_every),
        }
    return Runs(final_check(record), files, live_check(record))
