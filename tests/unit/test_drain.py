"""The drain after play ends the run's delivery windows (its quiescence): it must keep listening until
the last write's window has closed, however quiet the listeners fall before that, or a slow backend's
last events, sent within the limit, would be counted missing."""

from __future__ import annotations

import itertools
import threading
from types import SimpleNamespace

import pytest

from harness.run import after_play
from harness.run.after_play import QUIET_S, drain

LAST_WRITE, LATENCY_S = 100.0, 2.0


class _Clock:
    """The history's clock, moved only by the drain's own sleeps."""

    def __init__(self) -> None:
        self.t = LAST_WRITE

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    def now(self) -> float:
        return self.t


def _drained(monkeypatch: pytest.MonkeyPatch, receipts: object, hurry: threading.Event | None = None) -> float:
    clock = _Clock()
    monkeypatch.setattr(after_play, "time", SimpleNamespace(sleep=clock.sleep))
    history = SimpleNamespace(tally=SimpleNamespace(last=LAST_WRITE, invoked=1), now=clock.now)
    drain(history, SimpleNamespace(receipts=receipts), LATENCY_S, hurry or threading.Event())
    return clock.t


def test_quiet_listeners_are_listened_to_until_the_last_window_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    ended = _drained(monkeypatch, lambda: 7)  # nothing more arrives after play
    assert LAST_WRITE + LATENCY_S <= ended < LAST_WRITE + LATENCY_S + QUIET_S


def test_deliveries_still_arriving_keep_it_going_to_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    arriving = itertools.count()
    ended = _drained(monkeypatch, lambda: next(arriving))
    assert ended >= LAST_WRITE + LATENCY_S + 2 * QUIET_S - 1e-9


def test_a_second_interrupt_cuts_it_short(monkeypatch: pytest.MonkeyPatch) -> None:
    hurry = threading.Event()
    hurry.set()
    assert _drained(monkeypatch, lambda: 7, hurry) == LAST_WRITE
