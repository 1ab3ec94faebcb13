"""The columnar engine is exact: every crafted history gives, with the accelerator, what the plain
Python stream gives (findings as multisets, judged counts, receipts and matches, latency summaries,
each change's slowest delivery, the verdict), whether its listeners are all clean, none or some."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

import harness.checks as checks
from bench.columnar.faults import with_faults
from harness.checks import CheckResult, check
from harness.checks.columnar import receipts_frame
from harness.checks.columnar.engine import Judge, clean_split
from harness.checks.parts import all_listeners
from harness.record.history import HistoryData, Observation
from harness.spec.contract import Contract
from harness.testing import history_with
from tests.histories import DEFECTS, DETAIL, LINE, event_text, healthy, patch_op, receipt
from tests.unit.test_identical_payloads import SECOND, _by, _history


def _outcome(result: CheckResult) -> tuple[Any, ...]:
    findings = Counter((f.name, f.operation, f.listener, f.channel, f.event, f.severity) for f in result.findings)
    return findings, result.judged, result.counts, result.latency, result.slowest, result.verdict, result.reasons


def _both(history: HistoryData, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    accelerated = _outcome(check(copy.deepcopy(history), Contract()))
    with monkeypatch.context() as plain:
        plain.setattr(checks, "accelerated", all_listeners)
        streamed = _outcome(check(copy.deepcopy(history), Contract()))
    return accelerated, streamed


def _clean(history: HistoryData) -> set[str]:
    limit_s = float(history.meta.get("latency_limit_ms", 2000)) / 1000
    return clean_split(history, receipts_frame(history.observations), Judge(Contract(), limit_s)).clean


def _defect(defect: Callable[[HistoryData], None]) -> HistoryData:
    history = healthy()
    defect(history)
    return history


def _two_writes_two_viewers() -> HistoryData:
    """Two viewers, two writes of a line; the second viewer got the first copy late, past the limit."""
    history = healthy()
    second = {**LINE, "counted_partial_units": "46.50"}
    history.operations.append(patch_op(2, second, 2.0))
    history.observations[1:1] = [Observation("subscribed", 0.1, "viewer-2", "4.4", DETAIL)]
    history.observations += [
        receipt("viewer", 2.1, event_text(second)),
        receipt("viewer-2", 2.3, event_text(LINE), socket_id="4.4"),
        receipt("viewer-2", 2.15, event_text(second), socket_id="4.4"),
    ]
    history.observations.sort(key=lambda o: o.time)
    return history


def _synthetic(faulted: bool, listeners: int = 4) -> HistoryData:
    history = history_with(2000, listeners=listeners)
    return with_faults(history, every=97) if faulted else history


def _only_some_faulted() -> HistoryData:
    """Faults put into the receipts of viewer-1 alone (dropped, sent twice, late, reordered)."""
    history = history_with(2000, listeners=4)
    mine = [o for o in history.observations if o.listener == "viewer-1"]
    faulted = with_faults(HistoryData(history.meta, history.operations, mine), every=13)
    others = [o for o in history.observations if o.listener != "viewer-1"]
    return HistoryData(history.meta, history.operations, sorted(others + faulted.observations, key=lambda o: o.time))


def _quiesced_early() -> HistoryData:
    history = history_with(1000, listeners=3)
    history.meta["quiesced_at"] = 1.05
    return history


def _paged_mid_run() -> HistoryData:
    """viewer-0 takes its snapshot halfway: only the line events after it reach its page."""
    history = history_with(1000, listeners=3)
    history.observations = [
        replace(o, time=1.0503) if o.kind == "snapshot" and o.listener == "viewer-0" else o
        for o in history.observations
    ]
    history.observations.sort(key=lambda o: o.time)
    return history


def _stopped(receipt_after: bool = False, quiesced: float | None = None) -> HistoryData:
    """As every run ends: each listener's connection ends just after the run quiesced, as the fleet
    stops (`receipt_after`: one more copy reaches viewer-0 after that, as no real one can;
    `quiesced`: the run quiesced then instead, before some windows closed)."""
    history = history_with(1000, listeners=3)
    if quiesced is not None:
        history.meta["quiesced_at"] = quiesced
    stop = float(history.meta["quiesced_at"]) + 0.1
    listeners = sorted({o.listener for o in history.observations if o.listener})
    history.observations += [Observation("disconnect", stop, listener, None, data={"code": None, "planned": False})
                             for listener in listeners]  # fmt: skip
    if receipt_after:
        late = next(o for o in history.observations if o.kind == "receipt" and o.listener == "viewer-0")
        history.observations.append(replace(late, time=stop + 0.05))
    history.observations.sort(key=lambda o: o.time)
    return history


def _identical_payloads() -> dict[str, HistoryData]:
    """Shapes of `test_identical_payloads`: a re-save, a stale payload, an echo in flight, a copy again."""
    text, second = event_text(LINE), event_text(SECOND)
    first = {**LINE, "counted_partial_units": "44.50"}
    return {
        "re-save": _history([_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 1.5)],
                            [("viewer", 1.15, text), ("counter-2-browser", 1.16, text),
                             ("viewer", 1.6, text), ("counter-2-browser", 1.6, text)]),
        "stale-payload": _history([_by(1, 1, LINE, 1.0), _by(2, 2, SECOND, 1.05)],
                                  [("viewer", 1.15, text), ("counter-2-browser", 1.15, text),
                                   ("viewer", 1.6, text), ("counter-1-browser", 1.6, text)]),
        "echo-in-flight": _history(
            [_by(1, 1, first, 0.5), _by(1, 2, LINE, 1.0, complete=1.1), _by(2, 3, SECOND, 1.02, complete=1.15)],
            [("viewer", 0.55, event_text(first)), ("counter-1-browser", 0.55, event_text(first)),
             ("viewer", 1.05, text), ("counter-1-browser", 1.05, text),
             ("viewer", 1.2, second), ("counter-1-browser", 1.2, second)]),
        "copy-again": _history([_by(1, 1, LINE, 1.0), _by(2, 2, SECOND, 1.5)],
                               [("viewer", 1.15, text), ("viewer", 1.55, text), ("viewer", 1.6, second)]),
        "two-writes-each-heard": _history([_by(1, 1, LINE, 1.0), _by(1, 2, SECOND, 1.5)],
                                          [("viewer", 1.15, text), ("viewer", 1.6, second),
                                           ("counter-2-browser", 1.16, text), ("counter-2-browser", 1.6, second)]),
    }  # fmt: skip


HISTORIES: dict[str, Callable[[], HistoryData]] = {
    **{name: (lambda n=name: _identical_payloads()[n]) for name in _identical_payloads()},
    "healthy": healthy,
    **{f"{name}:{defect.__name__}": (lambda d=defect: _defect(d)) for name, defect, _ in DEFECTS},
    "two-writes-two-viewers": _two_writes_two_viewers,
    "synthetic": lambda: _synthetic(False),
    "synthetic-faulted": lambda: _synthetic(True),
    "one-listener-faulted": _only_some_faulted,
    "quiesced-early": _quiesced_early,
    "paged-mid-run": _paged_mid_run,
    "stopped-after-the-run": _stopped,
    "a-copy-after-the-stop": lambda: _stopped(receipt_after=True),
    "stopped-after-an-early-quiescence": lambda: _stopped(quiesced=1.05),
}


@pytest.mark.parametrize("name", list(HISTORIES))
def test_the_accelerator_judges_every_crafted_history_as_the_stream_does(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    accelerated, streamed = _both(HISTORIES[name](), monkeypatch)
    assert accelerated == streamed


def test_every_listener_clean() -> None:
    history = _synthetic(False)
    assert _clean(history) == {f"viewer-{n}" for n in range(4)}


def test_no_listener_clean() -> None:
    history = _synthetic(True)
    assert _clean(history) == set()


def test_mixed_clean_and_not(monkeypatch: pytest.MonkeyPatch) -> None:
    history = _only_some_faulted()
    assert _clean(history) == {"viewer-0", "viewer-2", "viewer-3"}
    accelerated, streamed = _both(history, monkeypatch)
    assert accelerated == streamed
    assert {"missing-event", "duplicate-event", "late-event"} <= {name for name, *_ in accelerated[0]}


def test_a_page_taken_mid_run_keeps_only_later_line_events(monkeypatch: pytest.MonkeyPatch) -> None:
    history = _paged_mid_run()
    assert "viewer-0" in _clean(history)
    accelerated, streamed = _both(history, monkeypatch)
    assert accelerated == streamed


def test_listeners_stopped_after_the_run_are_judged_by_the_frames() -> None:
    """Every run's listeners disconnect as its fleet stops, after it quiesced: that ends no window, so
    it leaves them clean; a copy after its stop does not."""
    assert _clean(_stopped()) == {"viewer-0", "viewer-1", "viewer-2"}
    assert _clean(_stopped(receipt_after=True)) == {"viewer-1", "viewer-2"}
