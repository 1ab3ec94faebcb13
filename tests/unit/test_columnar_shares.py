"""A file with more receipts than one frame holds, recorded as columns, is judged by the columnar
engine a share of the listeners at a time (`check_shares`), as one frame would judge it; a file it
cannot take in shares is read as a stream, as before."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from harness import check_file as reading
from harness import check_shares
from harness.check_file import check_file
from harness.checks.columnar import shares
from harness.checks.columnar.engine import accelerated_frame
from harness.checks.columnar.shares import shares_of
from harness.checks.parts import Part
from harness.record import receipt_chunks, receipt_spill
from harness.record.history import HistoryData, Observation
from harness.record.history_file import HISTORY_NAME
from harness.record.records import ReceiptTally
from harness.testing import write_history
from tests.unit.test_columnar_exact import HISTORIES, _outcome
from tests.unit.test_receipt_spill import open_in

COUNTS = {"a": 5, "b": 3, "c": 3, "d": 2, "e": 1, "f": 0, "g": 9, "h": 4}


@pytest.mark.parametrize("most", [0, 1, 3, 5, 9, 100])
def test_shares_hold_at_most_their_bound_and_each_listener_once(most: int) -> None:
    shares = shares_of(COUNTS, most)
    listed = [listener for share in shares for listener in share]
    assert sorted(listed) == sorted(COUNTS), "every listener, none split across shares"
    for share in shares:
        assert sum(COUNTS[listener] for listener in share) <= most or len(share) == 1, share


def test_shares_are_few() -> None:
    assert len(shares_of(COUNTS, sum(COUNTS.values()))) == 1
    assert len(shares_of(COUNTS, 9)) == 3  # 27 receipts in shares of 9: g; a, h; b, c, d, e, f


def _tally(tally: ReceiptTally | None) -> tuple[object, ...]:
    assert tally is not None
    return tally.origin, tally.width, tally.first, tally.last, tally.by_listener, list(tally.total), tally.slots


@pytest.mark.parametrize("most", [0, 40, 10**9])
@pytest.mark.parametrize("name", ["synthetic-faulted", "one-listener-faulted", "paged-mid-run", "healthy"])
def test_a_file_judged_in_shares_is_judged_as_in_one_frame(
    name: str, most: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shares of one listener each (0), of a few, or of all: the same result and tally as one frame
    (the chunks split into shares in rounds of as many receipts)."""
    _judged_alike(HISTORIES[name](), most, tmp_path, monkeypatch)


def test_a_share_whose_listener_got_no_receipt_is_judged_as_in_one_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = HISTORIES["synthetic"]()
    history.observations[:0] = [Observation("connect", 0.0, "silent", "9.9"), Observation("subscribed", 0.001, "silent",
                                "9.9", "hotel-bench-stocktake-1")]  # fmt: skip
    _judged_alike(history, 0, tmp_path, monkeypatch)


def _judged_alike(history: HistoryData, most: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / HISTORY_NAME
    write_history(history, path)
    framed_light, framed = check_file(path)
    monkeypatch.setattr(reading, "FRAME_MOST", -1)
    monkeypatch.setattr(check_shares, "SHARE_MOST", most)
    monkeypatch.setattr(check_shares, "ROUND_MOST", 100)  # the chunks split over several rounds
    monkeypatch.setattr(reading, "_read", _not_streamed)
    shared_light, shared = check_file(path)
    assert _outcome(shared) == _outcome(framed)
    assert _tally(shared_light.tally) == _tally(framed_light.tally)
    assert shared_light.observations == framed_light.observations


def _not_streamed(*_: object) -> None:
    raise AssertionError("read as a stream")


def _streamed_instead(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond FRAME_MOST, `path` is not taken in shares but read as a stream."""
    shared: list[object] = []
    streamed: list[Path] = []
    read = reading._read
    monkeypatch.setattr(reading, "check_in_shares", lambda *args: shared.append(check_shares.check_in_shares(*args)))
    monkeypatch.setattr(reading, "_read", lambda source, *rest: streamed.append(source[0]) or read(source, *rest))
    monkeypatch.setattr(reading, "FRAME_MOST", -1)
    check_file(path)
    assert (shared, streamed) == ([None], [path])


def test_an_older_file_with_its_receipts_in_its_lines_is_read_as_a_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES["synthetic-faulted"](), path, columns=False)
    monkeypatch.setattr(check_shares, "INLINE_MOST", 10)
    _streamed_instead(path, monkeypatch)


@pytest.mark.parametrize("kind", ["receipt", "subscribed"])
def test_a_listening_record_of_no_listener_is_read_as_a_stream(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every share would take it (`parts.split`)."""
    history = HISTORIES["synthetic"]()
    next(o for o in history.observations if o.kind == kind).listener = None
    path = tmp_path / HISTORY_NAME
    write_history(history, path)
    _streamed_instead(path, monkeypatch)


def test_a_damaged_chunk_is_read_as_a_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream says what was lost; a share's query would only fail."""
    monkeypatch.setattr(receipt_chunks, "CHUNK_RECEIPTS", 16)
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES["synthetic"](), path)
    chunk = tmp_path / "receipts/history.000003.parquet"
    chunk.write_bytes(chunk.read_bytes()[:-20])
    _streamed_instead(path, monkeypatch)


def _folder_after(path: Path) -> tuple[list[str], list[str]]:
    """The files left open in the history's folder, and what is in it."""
    return open_in(path.parent), sorted(str(file.relative_to(path.parent)) for file in path.parent.rglob("*"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_the_spill_file_is_gone_once_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES["synthetic"](), path)
    before = _folder_after(path)
    monkeypatch.setattr(reading, "FRAME_MOST", -1)
    monkeypatch.setattr(check_shares, "SHARE_MOST", 100)
    monkeypatch.setattr(reading, "_read", _not_streamed)
    check_file(path)
    assert _folder_after(path) == before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_a_chunk_found_damaged_halfway_through_the_split_is_read_as_a_stream_and_the_spill_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES["synthetic"](), path)
    before = _folder_after(path)
    write, rounds = receipt_spill.SpilledShares.write, []

    def damaged(self: receipt_spill.SpilledShares, *args: object) -> None:
        rounds.append(self)
        if len(rounds) == 3:
            raise pl.exceptions.ComputeError("a damaged chunk")
        write(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(receipt_spill.SpilledShares, "write", damaged)
    monkeypatch.setattr(check_shares, "ROUND_MOST", 100)
    _streamed_instead(path, monkeypatch)
    assert _folder_after(path) == before


def test_each_share_s_part_is_let_go_once_joined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A share's part holds each change it delivered: joined into the whole as it is judged, it is
    not held while the shares after it are (at most the one just joined is still referenced)."""
    path = tmp_path / HISTORY_NAME
    write_history(HISTORIES["synthetic"](), path)
    judged: list[weakref.ref[Part]] = []
    held_at_each: list[int] = []

    def tracked(*args: Any) -> Part:
        held_at_each.append(sum(ref() is not None for ref in judged))
        part = accelerated_frame(*args)
        judged.append(weakref.ref(part))
        return part

    monkeypatch.setattr(shares, "accelerated_frame", tracked)
    monkeypatch.setattr(reading, "FRAME_MOST", -1)
    monkeypatch.setattr(check_shares, "SHARE_MOST", 0)
    monkeypatch.setattr(reading, "_read", _not_streamed)
    check_file(path)
    assert len(held_at_each) >= 3, "a share a listener"
    assert max(held_at_each) <= 1
