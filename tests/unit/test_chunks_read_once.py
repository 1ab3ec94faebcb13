"""A frame of every receipt (`load_receipts`, a frame check) takes the chunks the pass over the files
read to count them, not reading them again; a file with a chunk missing or damaged reads the others
again, as it did, and gets the same receipts."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.record import receipt_chunks, receipt_table
from harness.record.receipt_table import load_receipts, read_with_writers, receipts_of
from harness.record.records import HistoryData
from harness.testing import history_with, write_history


def _written(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(receipt_chunks, "CHUNK_RECEIPTS", 16)
    path = folder / "history.jsonl.zst"
    write_history(history_with(120, listeners=4), path)
    return path


def _frame(path: Path, whole: bool) -> list[tuple[object, ...]]:
    """Every receipt as a frame, read unbounded (`whole`), or with a bound no file reaches."""
    read = read_with_writers(path, HistoryData(), None if whole else 10**9)
    assert read is not None
    return receipts_of(read[1]).rows()


def test_the_chunks_read_by_the_pass_are_the_frame_s_and_none_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _written(tmp_path, monkeypatch)
    again = _frame(path, whole=False)
    monkeypatch.setattr(receipt_table, "_chunks", lambda *_: pytest.fail("a chunk read again"))
    assert _frame(path, whole=True) == again
    assert load_receipts(path).height == 120


@pytest.mark.parametrize("lost", ["missing", "damaged"])
def test_a_file_with_a_chunk_lost_reads_the_others_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    path = _written(tmp_path, monkeypatch)
    chunk = tmp_path / "receipts/history.000002.parquet"
    if lost == "missing":
        chunk.unlink()
    else:
        chunk.write_bytes(chunk.read_bytes()[:-20])
    assert _frame(path, whole=True) == _frame(path, whole=False)
    assert load_receipts(path).height == 120 - 16
