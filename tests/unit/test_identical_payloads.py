"""Identical payloads are a multiset, and a consequence is not a second defect: crafted histories.

Writes that owe a listener the same (channel, event, payload) owe that many copies (a re-save, an
intruder's write-back, two concurrent writes whose responses both carry the later one's values);
a copy is a duplicate only when the listener got more than it was owed by the time it arrived.
A stale payload repeats the previous write's values: it is the next write's payload-mismatch,
never the previous writer's self-echo. The final check, the live stream and the file read by two
processes judge each history alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import check_file as reading
from harness.check_file import check_file
from harness.checks import check
from harness.checks.stream import ListenerStream
from harness.record.history import HistoryData, Observation, Operation
from harness.record.history_file import HISTORY_NAME
from harness.spec.contract import Contract
from harness.testing import write_history
from tests.histories import DETAIL, LINE, event_text, patch_op, receipt

SECOND = {**LINE, "counted_partial_units": "46.50", "counted_qty": "222.5000", "variance_qty": "-36.5000"}
SOCKETS = {"viewer": "1.1", "counter-1-browser": "2.2", "counter-2-browser": "3.3"}
EVENT = "line-counted-updated"
Copy = tuple[str, float, str]  # (listener, received, text)
Judged = list[tuple[str, int | None, str | None]]


def _history(operations: list[Operation], copies: list[Copy]) -> HistoryData:
    """Every listener that got a copy subscribed from the start."""
    listening = {name: socket for name, socket in SOCKETS.items() if name in {name for name, _, _ in copies}}
    observations = [Observation("connect", 0.0, name, socket) for name, socket in listening.items()]
    observations += [Observation("subscribed", 0.1, name, socket, DETAIL) for name, socket in listening.items()]
    observations += [receipt(name, t, text, socket_id=SOCKETS[name]) for name, t, text in copies]
    observations.sort(key=lambda o: o.time)
    return HistoryData({"latency_limit_ms": 1000, "quiesced_at": 30.0}, operations, observations)


def _by(counter: int, op_id: int, line: dict, invoke: float, **over: object) -> Operation:
    return patch_op(op_id, line, invoke, socket_id=SOCKETS[f"counter-{counter}-browser"], **over)


def _found(findings: list) -> Judged:
    return sorted((f.name, f.operation, f.listener) for f in findings)


def _judged(history: HistoryData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Judged:
    """The findings, once the final check, the live stream and the file read by two processes agree."""
    final = _found(check(history, Contract()).findings)
    live = ListenerStream(Contract(), 1.0, history.meta, live=True)
    live.feed(history.operations, [])
    fed = 0
    for step in range(1, 60):
        now = step / 20
        taken = [o for o in history.observations[fed:] if o.time < now]
        fed += len(taken)
        live.feed([], taken)
        live.advance(now)
    live.feed([], history.observations[fed:])
    live.finish()
    monkeypatch.setattr(reading, "PARALLEL_MIN_LINES", 0)
    monkeypatch.setattr(reading, "FRAME_MOST", -1)
    monkeypatch.setattr(reading, "check_in_shares", lambda *_: None)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    write_history(history, tmp_path / HISTORY_NAME)
    streamed = _found(check_file(tmp_path / HISTORY_NAME)[1].findings)
    assert _found(live.totals.findings) == final
    assert [f for f in streamed if f[0] != "divergence"] == final
    return final


def test_a_re_save_owes_a_second_identical_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = event_text(LINE)
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 1.5)],
        [("viewer", 1.15, text), ("counter-2-browser", 1.16, text),
         ("viewer", 1.6, text), ("counter-2-browser", 1.6, text)],
    )  # fmt: skip
    assert _judged(history, tmp_path, monkeypatch) == []


def test_a_write_back_by_another_user_owes_the_first_writer_its_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """counter-2 puts back the values counter-1 wrote: counter-1's page was owed nothing of its own
    write and is owed the write-back, which carries the same text."""
    text = event_text(LINE)
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(2, 2, LINE, 1.5)],
        [("viewer", 1.15, text), ("counter-2-browser", 1.16, text),
         ("viewer", 1.6, text), ("counter-1-browser", 1.6, text)],
    )  # fmt: skip
    assert _judged(history, tmp_path, monkeypatch) == []


def test_concurrent_writes_whose_responses_carry_the_later_values_owe_two_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Operation 1 (counter-1) and 2 (counter-2) write one line at once; 1 answers last, and its
    response and event carry 2's values, as 2's do."""
    text = event_text(SECOND)
    history = _history(
        [_by(1, 1, SECOND, 1.0, complete=1.2), _by(2, 2, SECOND, 1.05, complete=1.1)],
        [("viewer", 1.11, text), ("counter-1-browser", 1.11, text),
         ("viewer", 1.16, text), ("counter-2-browser", 1.16, text)],
    )  # fmt: skip
    assert _judged(history, tmp_path, monkeypatch) == []


def test_more_copies_than_owed_is_one_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = event_text(LINE)
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 1.5)],
        [("viewer", 1.15, text), ("viewer", 1.6, text), ("viewer", 1.7, text)],
    )
    assert _judged(history, tmp_path, monkeypatch) == [("duplicate-event", 2, "viewer")]


def test_a_copy_before_the_write_that_owes_it_is_a_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Owed by the time it arrived: the second copy came before the re-save was asked for."""
    text = event_text(LINE)
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 1.5)],
        [("viewer", 1.15, text), ("viewer", 1.2, text), ("viewer", 1.6, text)],
    )
    assert _judged(history, tmp_path, monkeypatch) == [("duplicate-event", 1, "viewer")]


def test_fewer_copies_than_owed_leave_the_later_write_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The finding names the write a re-save (flagged so by the counter that made it)."""
    text = event_text(LINE)
    resave = {"stocktake_id": 5, "line_id": LINE["id"], "resave": True}
    history = _history([_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 1.5, request=resave)], [("viewer", 1.15, text)])
    assert _judged(history, tmp_path, monkeypatch) == [("missing-event", 2, "viewer")]
    (missing,) = check(history, Contract()).findings
    assert "for operation 2 (patch_line, a re-save)" in missing.message


def test_latency_pairs_the_kth_owed_copy_with_the_kth_received() -> None:
    text = event_text(LINE)
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 1.5), _by(1, 3, LINE, 1.8)],
        [("viewer", 1.15, text), ("viewer", 1.6, text), ("viewer", 2.5, text)],
    )
    result = check(history, Contract())
    assert result.findings == []
    slowest = {op: round(latency, 3) for (op, _), latency in result.slowest.items()}
    assert slowest == {1: 0.15, 2: 0.1, 3: 0.7}


@pytest.mark.parametrize("same_text", [True, False], ids=["identical-text", "own-user-field"])
@pytest.mark.parametrize("second_invoked", [1.5, 1.05], ids=["after", "overlapping"])
def test_a_stale_payload_is_the_next_writes_mismatch_never_the_previous_writers_echo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, same_text: bool, second_invoked: float
) -> None:
    """Operation 2 (counter-2) sets SECOND, and its event carries the line as operation 1 (counter-1)
    left it. counter-1's page gets it as operation 2's event, not as an echo of its own write; a
    viewer that got operation 1's event gets the same values again, operation 2's, not a duplicate.
    So whether operation 2 was asked for after operation 1 answered or while it was in flight."""
    stale = event_text(LINE) if same_text else event_text(LINE, user={"id": 2, "name": "counter two"})
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(2, 2, SECOND, second_invoked)],
        [("viewer", 1.15, event_text(LINE)), ("counter-2-browser", 1.15, event_text(LINE)),
         ("viewer", 1.6, stale), ("counter-1-browser", 1.6, stale)],
    )  # fmt: skip
    assert _judged(history, tmp_path, monkeypatch) == [
        ("payload-mismatch", 2, "counter-1-browser"),
        ("payload-mismatch", 2, "viewer"),
    ]


def test_an_echo_while_another_write_of_the_line_is_in_flight_is_still_a_self_echo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backend ignores counter-1's socket_id: its first write comes back with nothing else owed (a
    self-echo). Its second comes back while counter-2's write of the line is owed: a connection known
    to get its own writes back got its echo, not counter-2's stale event."""
    first = {**LINE, "counted_partial_units": "44.50", "counted_qty": "220.5000", "variance_qty": "-38.5000"}
    history = _history(
        [_by(1, 1, first, 0.5), _by(1, 2, LINE, 1.0, complete=1.1), _by(2, 3, SECOND, 1.02, complete=1.15)],
        [("viewer", 0.55, event_text(first)), ("counter-1-browser", 0.55, event_text(first)),
         ("viewer", 1.05, event_text(LINE)), ("counter-1-browser", 1.05, event_text(LINE)),
         ("viewer", 1.2, event_text(SECOND)), ("counter-1-browser", 1.2, event_text(SECOND))],
    )  # fmt: skip
    assert _judged(history, tmp_path, monkeypatch) == [
        ("self-echo", 1, "counter-1-browser"),
        ("self-echo", 2, "counter-1-browser"),
    ]


def test_a_copy_again_then_the_writes_own_event_is_a_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second copy of operation 1's event came after operation 2 was asked for, so it might have
    been operation 2's stale event; operation 2's own event came too, so it was a duplicate."""
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(2, 2, SECOND, 1.5)],
        [("viewer", 1.15, event_text(LINE)), ("viewer", 1.55, event_text(LINE)), ("viewer", 1.6, event_text(SECOND))],
    )
    assert _judged(history, tmp_path, monkeypatch) == [("duplicate-event", 1, "viewer")]


def test_a_re_save_heard_after_a_rejoin_is_its_own_copy_not_the_one_missed_while_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The viewer's connection drops during the first write and a new one subscribes before the
    re-save: the copy it gets is the re-save's (Pusher replays nothing), so the first write is the
    gap and the re-save is delivered. Matched to the first write by fingerprint, it made the re-save
    a missing-event: a false alarm in a third of healthy reconnect runs."""
    first, again = (
        _by(1, 1, LINE, 1.0),
        _by(1, 2, LINE, 2.0, request={"stocktake_id": 5, "line_id": 1709, "resave": True}),
    )
    history = _history([first, again], [])
    history.observations += [
        Observation("connect", 0.0, "viewer", "1.1"),
        Observation("subscribed", 0.1, "viewer", "1.1", DETAIL),
        Observation("disconnect", 1.05, "viewer", "1.1"),
        Observation("connect", 1.5, "viewer", "1.4"),
        Observation("subscribed", 1.6, "viewer", "1.4", DETAIL),
        receipt("viewer", 2.15, event_text(LINE), socket_id="1.4"),
    ]
    history.observations.sort(key=lambda o: o.time)
    assert _judged(history, tmp_path, monkeypatch) == [("gap-during-disconnect", 1, "viewer")]


def test_a_copy_is_never_taken_for_a_write_whose_event_pusher_refuses() -> None:
    """The first write's response (and so its event) carries the stocktake's lines, over 10 KB: Pusher
    refuses it. A copy no owed write's values explain (here the second write's event, carrying a later
    write's values) is the second write's mismatch, never the first's (which would read as a partial
    line lacking the lines): under load, with writes of one line in flight together, it was."""
    big = {**LINE, "stocktake_lines": [{**LINE, "id": n} for n in range(60)]}
    later = {**SECOND, "counted_partial_units": "47.50"}
    first, second = _by(1, 1, big, 1.0), _by(2, 2, SECOND, 1.05)
    history = _history([first, second], [("viewer", 1.2, event_text(later))])
    found = _found(check(history, Contract()).findings)
    assert ("oversize-payload", 1, None) in found and ("missing-event", 1, "viewer") in found, found
    assert [f for f in found if f[0] == "payload-mismatch"] == [("payload-mismatch", 2, "viewer")], found


def test_a_copy_too_late_for_the_first_of_two_identical_writes_is_the_second_one_s_on_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first write's event was lost (a swallowed broadcast); the re-save, asked for after the
    first write's window, has its own copy at once. That copy is the re-save's, on time: one lost
    event, the first write's missing-event, and no late-event blamed on a copy its own write explains."""
    text = event_text(LINE)
    resave = {"stocktake_id": 5, "line_id": LINE["id"], "resave": True}
    history = _history([_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 3.0, request=resave)], [("viewer", 3.1, text)])
    assert _judged(history, tmp_path, monkeypatch) == [("missing-event", 1, "viewer")]


def test_a_copy_late_for_every_identical_write_is_the_first_one_s_late_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: past the limit of both writes, the copy is still the first write's (by invoke),
    late, and the re-save's is missing."""
    text = event_text(LINE)
    resave = {"stocktake_id": 5, "line_id": LINE["id"], "resave": True}
    history = _history([_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 3.0, request=resave)], [("viewer", 4.5, text)])
    assert _judged(history, tmp_path, monkeypatch) == [("late-event", 1, "viewer"), ("missing-event", 2, "viewer")]


def test_two_late_and_on_time_copies_of_one_text_are_no_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-save's copy and the first write's late one, read together (a listener that resumed after
    a stall): one text twice, whichever write each is taken for; the page ends the same, so there is
    no out-of-order to find, only the first write's copy late."""
    text = event_text(LINE)
    resave = {"stocktake_id": 5, "line_id": LINE["id"], "resave": True}
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(1, 2, LINE, 1.8, request=resave)], [("viewer", 2.3, text), ("viewer", 2.301, text)]
    )
    assert _judged(history, tmp_path, monkeypatch) == [("late-event", 1, "viewer")]


def test_a_copy_whose_whole_text_is_the_late_writes_is_that_write_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writes count the line alike with a movement between (another expected quantity): one
    fingerprint, two texts. The first write's copy, late, read just before the second's, is the
    first write's by its text, not the on-time second write's: no swap is made of the two."""
    moved = {**LINE, "expected_qty": "254.0000", "variance_qty": "-32.5000", "variance_value": "-81.25"}
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(1, 2, moved, 1.8)],
        [("viewer", 2.3, event_text(LINE)), ("viewer", 2.301, event_text(moved))],
    )
    assert _judged(history, tmp_path, monkeypatch) == [("late-event", 1, "viewer")]


def test_a_copy_two_writes_in_flight_may_have_sent_claims_no_swap_with_another_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener behind (a stall, a slow Pusher) reads a line's text that its first write and its
    re-save both answered, another line's late change, then the text again. The first copy is taken
    on time by the re-save, but it may as well be the first write's: no swap of the other line's
    change with either is claimed, only the late copies."""
    other = {**LINE, "id": 1710, "item_sku": "D0031"}
    resave = {"stocktake_id": 5, "line_id": LINE["id"], "resave": True}
    text = event_text(LINE)
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(2, 2, other, 1.2), _by(1, 3, LINE, 1.8, request=resave)],
        [("viewer", 2.3, text), ("viewer", 2.301, event_text(other)), ("viewer", 2.302, text)],
    )
    assert _judged(history, tmp_path, monkeypatch) == [("late-event", 1, "viewer"), ("late-event", 2, "viewer")]


def test_a_copy_is_the_write_whose_whole_text_it_is_among_several_on_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three writes count the line alike, each with another expected quantity (movements between):
    the third write's copy read first, while the first write is late, is the third's by its text, not
    the second's; the first write's copy after it is a swap its text proves, and late."""
    second = {**LINE, "expected_qty": "254.0000", "variance_qty": "-32.5000", "variance_value": "-81.25"}
    third = {**LINE, "expected_qty": "250.0000", "variance_qty": "-28.5000", "variance_value": "-71.25"}
    history = _history(
        [_by(1, 1, LINE, 1.0), _by(1, 2, second, 1.8), _by(1, 3, third, 1.85)],
        [
            ("viewer", 2.3, event_text(third)),
            ("viewer", 2.301, event_text(LINE)),
            ("viewer", 2.302, event_text(second)),
        ],
    )
    assert _judged(history, tmp_path, monkeypatch) == [("late-event", 1, "viewer"), ("out-of-order", 1, "viewer")]
