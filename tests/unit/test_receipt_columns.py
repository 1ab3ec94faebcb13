"""Receipts recorded as Parquet chunks: read back equal and in time order by every reader, as one
DataFrame by `load_receipts`; a chunk lost, cut or short makes the history not whole, saying so;
older histories (receipts inside the file) still read, and convert."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from harness.check_file import check_file
from harness.errors import HistoryFormatError
from harness.load.merge import merge_histories
from harness.record import history as history_module
from harness.record import receipt_chunks
from harness.record.history import History, Observation, load, parse, read_meta
from harness.record.history_file import read_text, write_text
from harness.record.history_meta import files_of
from harness.record.receipt_table import SCHEMA, load_receipts
from harness.spec.contract import Contract
from harness.testing import history_with, write_history

ORIGIN = 1000.0


def _receipt(n: int, listener: str = "viewer-1", t: float | None = None) -> Observation:
    at = ORIGIN + n / 100 if t is None else t
    return Observation("receipt", at, listener, f"1.{listener[-1]}", "h-stocktake-1", "line-counted-updated",
                       json.dumps({"n": n}))  # fmt: skip


def _recorded(path: Path, observations: list[Observation], **options: bool) -> History:
    history = History(path, {"scenario": "columns", "time_origin": ORIGIN}, **options)
    for obs in observations:
        history.append(obs)
    history.close()
    return history


def _fields(observations: list[Observation]) -> list[tuple[object, ...]]:
    """Times to 10 µs: the history's own records keep theirs to 1 µs (a chunk keeps them whole)."""
    return [(o.kind, round(o.time, 5), o.listener, o.socket_id, o.channel, o.event, o.data) for o in observations]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(receipt_chunks, "CHUNK_RECEIPTS", 4)
    return 4


def test_receipts_go_to_parquet_chunks_and_read_back_equal_in_order(tmp_path: Path) -> None:
    observations = [Observation("connect", ORIGIN, "viewer-1", "1.1"), *(_receipt(n) for n in range(10))]
    observations.append(Observation("receipt", ORIGIN + 0.2, "viewer-2", "1.2", "c", "e", {"not": "text"}))
    _recorded(tmp_path / "history.jsonl.zst", observations)
    text = read_text(tmp_path / "history.jsonl.zst")
    assert '{"n": 3}' not in text and "receipts/history.000001.parquet" in text, "receipts are not lines"
    assert sorted(p.name for p in (tmp_path / "receipts").iterdir()) == ["history.000001.parquet"]
    loaded = load(tmp_path / "history.jsonl.zst")
    assert _fields(loaded.observations) == _fields(sorted(observations, key=lambda o: o.time))
    assert loaded.wholeness.whole and loaded.wholeness.chunks == ["receipts/history.000001.parquet"]
    table = load_receipts(tmp_path / "history.jsonl.zst")
    assert dict(table.schema) == SCHEMA and table.height == 11
    chunked = table.filter(pl.col("listener") == "viewer-1")
    assert chunked["text"].to_list() == [json.dumps({"n": n}) for n in range(10)]
    assert chunked["seq"].to_list() == list(range(10))
    assert chunked["time"].to_list() == [o.time for o in observations[1:11]], "a time is kept whole: the check's"
    assert table.filter(pl.col("listener") == "viewer-2")["text"].to_list() == ['{"not": "text"}']


def test_chunk_boundaries_keep_every_receipt_in_time_order_among_the_other_records(
    tmp_path: Path, small_chunks: int
) -> None:
    """Chunks of 4: the file's other records fall inside and between chunks, and a reader gets all of
    them in the order they happened."""
    observations = []
    for n in range(11):
        observations.append(_receipt(n))
        if n % 3 == 0:
            observations.append(Observation("subscribed", ORIGIN + n / 100 + 0.001, "viewer-1", "1.1", "c"))
    history = _recorded(tmp_path / "h.jsonl", observations)
    assert history._chunks is not None and history._chunks.chunks == 3
    end = json.loads(read_text(tmp_path / "h.jsonl").splitlines()[-1])
    assert end == {"rec": "end", "operations": 0, "receipts": 11, "chunks": 3, "chunked": 11}
    handed: list[Observation] = []
    load(tmp_path / "h.jsonl", handed.append)
    assert _fields(handed) == _fields(observations)
    assert load_receipts(tmp_path / "h.jsonl")["seq"].to_list() == list(range(11))
    assert read_meta(tmp_path / "h.jsonl")[1] >= 11, "each chunked receipt counts towards the size of a check"
    mine = load(tmp_path / "h.jsonl", listeners=lambda who: who == "viewer-2").observations
    assert [o.kind for o in mine] == ["subscribed"] * 4, "another share's receipts are skipped"


def test_a_chunk_is_due_after_chunk_s_and_at_a_segment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = History(tmp_path / "h.jsonl", {"time_origin": ORIGIN})
    first = History.now() - 1
    history.append(_receipt(0, t=first))
    assert history.flush() == first, "a receipt still buffered is not on disk: the moment is before it"
    monkeypatch.setattr(receipt_chunks, "CHUNK_S", 0.0)
    assert history.flush() > first + 0.5 and (tmp_path / "receipts/h.000001.parquet").is_file()
    monkeypatch.setattr(receipt_chunks, "CHUNK_S", 60.0)
    history.append(_receipt(1))
    history.begin_segment("listener-process-1")
    history.append(_receipt(2, t=ORIGIN))  # another process's clock: earlier than the main file's last
    history.close()
    segments: list[str] = []
    data = load(tmp_path / "h.jsonl", on_segment=segments.append)
    assert [o.data for o in data.observations] == [_receipt(n).data for n in range(3)]
    assert segments == ["listener-process-1"]
    assert data.wholeness.chunks == [f"receipts/h.00000{n}.parquet" for n in (1, 2, 3)], "none spans a segment"


def _closed(tmp_path: Path) -> Path:
    data = history_with(400, listeners=4)
    data.meta.update(time_origin=0.0)
    write_history(data, tmp_path / "history.jsonl.zst")
    return tmp_path / "history.jsonl.zst"


def test_a_missing_chunk_is_not_whole_and_inconclusive_with_its_reason(tmp_path: Path, small_chunks: int) -> None:
    path = _closed(tmp_path)
    (tmp_path / "receipts/history.000007.parquet").unlink()
    data, result = check_file(path)
    assert not data.wholeness.whole and result.verdict == "INCONCLUSIVE"
    assert "its receipts chunk receipts/history.000007.parquet is named but missing, so the receipts in it were " \
           "not read" in result.reasons  # fmt: skip
    assert not any("so the others are lost" in r for r in result.reasons), "one lost chunk, one reason"


def test_a_torn_chunk_is_not_whole_and_inconclusive_with_its_reason(tmp_path: Path, small_chunks: int) -> None:
    path = _closed(tmp_path)
    chunk = tmp_path / "receipts/history.000003.parquet"
    chunk.write_bytes(chunk.read_bytes()[:-20])
    data, result = check_file(path)
    assert result.verdict == "INCONCLUSIVE"
    assert any(r.startswith("its receipts chunk receipts/history.000003.parquet is cut or damaged")
               for r in result.reasons)  # fmt: skip
    assert load_receipts(path).height == 400 - 4, "load_receipts reads every chunk there is"


def test_fewer_receipts_than_the_end_record_counts_is_not_whole(tmp_path: Path) -> None:
    path = _closed(tmp_path)
    lines = read_text(path).splitlines(keepends=True)
    end = json.loads(lines[-1])
    write_text(path, "".join(lines[:-1]) + json.dumps({**end, "chunked": end["chunked"] + 1}) + "\n")
    data = load(path)
    assert data.wholeness.problems == [
        "the history recorded 401 receipts in chunks but 400 were read, so the others are lost"
    ]
    _, result = check_file(path)
    assert result.verdict == "INCONCLUSIVE"


KILLED = """
import os, sys
from pathlib import Path
from harness.record import history as history_module
from harness.record import receipt_chunks
from harness.record.history import History, Observation
receipt_chunks.CHUNK_RECEIPTS = 10
history = History(Path(sys.argv[1]), {"time_origin": 0.0})
for n in range(25):
    history.append(Observation("receipt", 1.0 + n / 100, "viewer-1", "1.1", "c", "e", str(n)))
history.flush()
os.kill(os.getpid(), 9)
"""


def test_a_writer_killed_with_9_still_reads_what_it_flushed_and_says_it_was_cut(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl.zst"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    done = subprocess.run([sys.executable, "-c", KILLED, str(path)], env=env, check=False, timeout=60)
    assert done.returncode == -signal.SIGKILL
    data = load(path)
    assert [o.data for o in data.observations] == [str(n) for n in range(20)], "two whole chunks were flushed"
    assert not data.wholeness.ended and data.wholeness.problems == [], "the unwritten last chunk is the kill's"
    assert load_receipts(path).height == 20
    _, result = check_file(path)
    assert result.verdict == "INCONCLUSIVE" and result.reasons[0].startswith("the run was killed")


def test_an_older_history_with_receipts_inside_still_reads_and_converts(tmp_path: Path) -> None:
    observations = [_receipt(n, f"viewer-{n % 2}") for n in range(6)]
    _recorded(tmp_path / "old.jsonl", observations, columns=False)
    assert '\\"n\\": 3' in (tmp_path / "old.jsonl").read_text() and not (tmp_path / "receipts").exists()
    assert _fields(load(tmp_path / "old.jsonl").observations) == _fields(observations)
    table = load_receipts(tmp_path / "old.jsonl")
    assert table["listener"].to_list() == [o.listener for o in observations]
    assert table["text"].to_list() == [o.data for o in observations] and table["seq"].to_list() == list(range(6))
    assert table["time"].to_list() == pytest.approx([o.time for o in observations], abs=1e-6)


def _worker_history(folder: Path, name: str) -> Path:
    """A listener process's file (`History(retain=False)`), a part of `folder`'s history."""
    part = folder / f"listeners-1.{name}.jsonl.zst"
    worker = History(part, {"time_origin": ORIGIN, "role": "listener-process"}, retain=False)
    for n in range(5):
        worker.append(_receipt(n, "viewer-7"))
    worker.close()
    return part


def test_a_listener_process_s_receipts_are_found_through_its_part(tmp_path: Path) -> None:
    main = History(tmp_path / "history.jsonl.zst", {"time_origin": ORIGIN})
    main.add_part("listener-process-1", tmp_path / "listeners-1.history.jsonl.zst")
    _worker_history(tmp_path, "history")
    main.append(_receipt(0, "viewer-1"))
    main.close()
    data = load(tmp_path / "history.jsonl.zst")
    assert [o.listener for o in data.observations] == ["viewer-1"] + ["viewer-7"] * 5 and data.wholeness.whole
    assert files_of(tmp_path / "history.jsonl.zst") == [
        "listeners-1.history.jsonl.zst",
        "receipts/history.000001.parquet",
        "receipts/listeners-1.history.000001.parquet",
    ]
    assert load_receipts(tmp_path / "history.jsonl.zst")["listener"].to_list() == ["viewer-1"] + ["viewer-7"] * 5
    moved = tmp_path / "moved"
    moved.mkdir()
    for file in ["history.jsonl.zst", *files_of(tmp_path / "history.jsonl.zst")]:
        (moved / file).parent.mkdir(exist_ok=True)
        (tmp_path / file).rename(moved / file)
    assert len(load(moved / "history.jsonl.zst").observations) == 6, "a moved run folder finds its chunks"


def test_the_locust_merge_keeps_every_worker_s_chunked_receipts(tmp_path: Path) -> None:
    histories = {}
    for worker in ("w1", "w2"):
        path = tmp_path / f"history-{worker}.jsonl"
        _recorded(path, [_receipt(n, "viewer-1") for n in range(3)])
        histories[worker] = parse(path.read_text().splitlines(keepends=True), folder=tmp_path)
    merged = merge_histories(histories, Contract())
    assert [o.listener for o in merged.observations] == ["w1/viewer-1"] * 3 + ["w2/viewer-1"] * 3
    assert merged.wholeness.chunks == ["w1/receipts/history-w1.000001.parquet", "w2/receipts/history-w2.000001.parquet"]


def test_a_quiet_run_s_other_records_write_a_chunk_that_is_due(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No receipt comes after the chunk's first; the run's next record, once the chunk is due, writes it."""
    history = History(tmp_path / "h.jsonl", {"time_origin": ORIGIN})
    history.append(_receipt(0))
    assert not (tmp_path / "receipts/h.000001.parquet").exists()
    monkeypatch.setattr(receipt_chunks, "CHUNK_S", 0.0)
    monkeypatch.setattr(history_module, "FLUSH_S", 0.0)
    history.observe("disconnect", listener="viewer-1")
    assert (tmp_path / "receipts/h.000001.parquet").is_file(), "on disk, should the run be killed now"


@pytest.mark.parametrize("name", ["/receipts/x.parquet", "receipts/../x.parquet", "../receipts/x.parquet", "x.parquet"])
def test_a_chunk_named_outside_its_receipts_folder_is_refused_with_its_name(tmp_path: Path, name: str) -> None:
    hostile = tmp_path / "h.jsonl"
    hostile.write_text(json.dumps({"rec": "meta", "time_origin": 0}) + "\n" + json.dumps({"rec": "chunk", "file": name})
                       + "\n")  # fmt: skip
    with pytest.raises(HistoryFormatError, match="not a file under receipts/ beside it"):
        load(hostile)
    with pytest.raises(HistoryFormatError, match="not a file under receipts/ beside it"):
        load_receipts(hostile)
    with pytest.raises(HistoryFormatError, match="read only from the folder beside it"):
        parse(hostile.read_text().splitlines(keepends=True))
