"""A run folder's deliveries table: each delivery the check judged, whichever way it judged it, agreeing
with the verdict (late rows are the late-event findings), rewritten whole by each check of the folder."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from harness import check_file as reading
from harness import check_shares
from harness.check_file import check_file
from harness.checks import CheckResult, check, latency_limit
from harness.checks import deliveries as logged
from harness.checks.columnar import engine
from harness.checks.deliveries import SCHEMA
from harness.checks.streamed import OutOfOrder, StreamedRead
from harness.cli import main
from harness.load.run_folder import check_workers, worker_file, worker_histories
from harness.record.deliveries_table import DELIVERIES_DIR, DeliveriesTable
from harness.record.history import HistoryData, read_meta
from harness.record.history_file import HISTORY_NAME
from harness.spec.contract import Contract
from harness.testing import write_history
from tests.unit.test_columnar_exact import HISTORIES

FAULTED = "one-listener-faulted"  # viewer-1's receipts dropped, doubled, late, reordered: it is streamed
READS = ["as a frame", "streamed", "streamed by 2 readers in batches", "in shares of 100 receipts"]


def _table(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(folder / DELIVERIES_DIR / "*.parquet")


def _written(name: str, folder: Path) -> Path:
    path = folder / HISTORY_NAME
    write_history(HISTORIES[name](), path)
    return path


def _read_as(read: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond FRAME_MOST the file is judged in shares (each share's deliveries written as it is judged),
    or streamed (its readers spill every BATCH deliveries)."""
    if read != "as a frame":
        monkeypatch.setattr(reading, "FRAME_MOST", -1)
    if read.startswith("in shares"):
        monkeypatch.setattr(check_shares, "SHARE_MOST", 100)
    elif read.startswith("streamed"):
        monkeypatch.setattr(reading, "check_in_shares", lambda *_: None)
    if read.endswith("in batches"):
        monkeypatch.setattr(reading, "_readers", lambda lines: 2)
        monkeypatch.setattr(logged, "BATCH", 100)


def _late_findings(result: CheckResult) -> Counter[str]:
    return Counter(f.event or "" for f in result.findings if f.name == "late-event")


@pytest.mark.parametrize("read", READS)
def test_the_late_rows_by_event_are_the_late_event_findings(
    read: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every delivery the latency report counts is a row, and a row is late exactly when the check found
    that delivery late."""
    _read_as(read, monkeypatch)
    path = _written(FAULTED, tmp_path)
    _, result = check_file(path, deliveries=DeliveriesTable.beside(path))
    table = _table(tmp_path)
    late = table.filter("late").group_by("event").len()
    assert dict(late.iter_rows()) == _late_findings(result) and sum(_late_findings(result).values()) > 0
    by_event = dict(table.group_by("event").len().iter_rows())
    assert by_event == {event: summary["count"] for event, summary in result.latency["by_event"].items()}
    assert table.schema == SCHEMA and table.height == result.counts["matched"]
    limit_ms = latency_limit(read_meta(path)[0], None)
    assert table.filter(pl.col("late") != (pl.col("latency_ms") > limit_ms)).height == 0
    if read.endswith("in batches") or read.startswith("in shares"):
        assert len(DeliveriesTable.beside(path).files()) > 2


def test_a_clean_run_has_a_row_for_each_delivery_and_none_late(tmp_path: Path) -> None:
    path = _written("synthetic", tmp_path)
    _, result = check_file(path, deliveries=DeliveriesTable.beside(path))
    table = _table(tmp_path)
    assert table.height == result.counts["matched"] > 0 and not result.findings
    assert table.filter("late").height == 0


def test_a_delivery_streamed_is_the_row_it_is_when_its_listener_is_judged_as_a_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """viewer-1 is streamed, the others judged as frames; with every listener streamed, the others' rows
    are the same rows."""
    path = _written(FAULTED, tmp_path)
    check_file(path, deliveries=DeliveriesTable.beside(path))
    mixed = _table(tmp_path)
    assert set(mixed.get_column("listener")) == {"viewer-0", "viewer-1", "viewer-2", "viewer-3"}
    monkeypatch.setattr(engine, "unclean", lambda judging: set(judging.receipts.get_column("listener")))
    check_file(path, deliveries=DeliveriesTable.beside(path))
    streamed = _table(tmp_path)
    assert Counter(streamed.iter_rows()) == Counter(mixed.iter_rows())


def test_checking_a_folder_again_leaves_no_file_of_the_earlier_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _written(FAULTED, tmp_path)
    table = DeliveriesTable.beside(path)
    with monkeypatch.context() as patched:
        _read_as(READS[2], patched)
        check_file(path, deliveries=table)
    batched = _table(tmp_path)
    assert len(table.files()) > 2
    check_file(path, deliveries=table)
    assert [file.name for file in table.files()] == ["history.0.0.parquet"]
    assert Counter(_table(tmp_path).iter_rows()) == Counter(batched.iter_rows())


def test_a_file_found_out_of_order_is_checked_whole_and_the_streams_files_are_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streams had written their deliveries when a record out of time order stopped them: the table
    is the whole check's alone."""
    path = _written(FAULTED, tmp_path)
    table = DeliveriesTable.beside(path)
    check_file(path, deliveries=table)
    whole = Counter(_table(tmp_path).iter_rows())
    _read_as(READS[1], monkeypatch)
    monkeypatch.setattr(logged, "BATCH", 100)
    finish = StreamedRead.finish
    spilled: list[int] = []

    def finished_then_out_of_order(reader: StreamedRead, started: float) -> object:
        finish(reader, started)
        spilled.append(len(table.files()))
        raise OutOfOrder("a record older than its stream has judged")

    monkeypatch.setattr(StreamedRead, "finish", finished_then_out_of_order)
    check_file(path, deliveries=table)
    assert spilled[0] > 1 and [file.name for file in table.files()] == ["history.0.0.parquet"]
    assert Counter(_table(tmp_path).iter_rows()) == whole


@pytest.mark.parametrize("read", READS[:2])
def test_a_check_that_judged_no_delivery_writes_an_empty_table(
    read: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table's glob still finds a file, so a query over it answers (nothing) rather than fails."""
    _read_as(read, monkeypatch)
    healthy = HISTORIES["healthy"]()
    path = tmp_path / HISTORY_NAME
    write_history(HistoryData(healthy.meta, healthy.operations, []), path)
    check_file(path, deliveries=DeliveriesTable.beside(path))
    assert _table(tmp_path).schema == SCHEMA and _table(tmp_path).height == 0


def test_a_check_in_memory_logs_deliveries_only_when_asked() -> None:
    history = HISTORIES[FAULTED]()
    assert check(history, Contract()).deliveries is None
    asked = check(history, Contract(), deliveries=True)
    assert asked.deliveries is not None and asked.deliveries.frame().height == asked.counts["matched"]


def test_stocksync_check_writes_the_table_beside_its_reports_and_the_workers_check_beside_theirs(
    tmp_path: Path,
) -> None:
    path = _written(FAULTED, tmp_path / "run")
    out = tmp_path / "again"
    done = CliRunner().invoke(main, ["check", str(path.parent), "--out", str(out), "--quiet"])
    report = json.loads((out / "report.json").read_text())
    assert done.exit_code == 1, done.output
    assert _table(out).filter("late").height == sum(f["name"] == "late-event" for f in report["findings"])
    workers = tmp_path / "workers"
    write_history(HISTORIES[FAULTED](), workers / worker_file("a"))
    _, result = check_workers(worker_histories(workers), deliveries=DeliveriesTable(workers, "workers"))
    assert _table(workers).height == result.counts["matched"]
    assert _table(workers).filter("late").height == sum(_late_findings(result).values()) > 0
