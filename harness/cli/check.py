"""`stocksync check`: a recorded history checked again, offline, its reports written somewhere new."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import HistoryFormatError
from ..input_files import regular_file
from ..record.history_file import HISTORY_NAME, find_history
from ..report import fresh_folder, writable_folder
from ..spec.contract import load_contract
from .options import GivenPath, Output, output_options

if TYPE_CHECKING:
    from ..record.deliveries_table import DeliveriesTable


@click.command("check")
@click.argument("history_file", type=GivenPath(exists=True, path_type=Path))
@click.option(
    "--contract",
    "contract_file",
    type=GivenPath(dir_okay=False, path_type=Path),
    help="The contract to hold the run against (default: the one the run recorded).",
)
@click.option(
    "--report-dir",
    type=GivenPath(file_okay=False, path_type=Path),
    help="Write the reports into a new timestamped folder here (default: none).",
)
@click.option("--latency-ms", type=click.IntRange(1, 600_000), help="Override the run's latency limit.")
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option("--force", is_flag=True, help="Write over report files already at --out or --junit.")
@output_options
def check_command(
    history_file: Path,
    contract_file: Path | None,
    report_dir: Path | None,
    latency_ms: int | None,
    strict: bool,
    force: bool,
    out: Path | None,
    junit: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Re-check a recorded HISTORY_FILE (or the report folder holding it) offline, against the contract
    and latency limit it recorded. A distributed Locust run's folder (one history-WORKER.jsonl.zst a
    worker) is checked as the master checked it: the workers' histories merged into one run.
    Compressed (.zst) and plain histories both read; the parts a history names (its listener
    processes' files) are read from beside it. The run's own reports
    are never written over: --report-dir makes a new folder; --out and --junit refuse existing
    report files unless --force.

    Exit 0 pass, 1 findings, 3 inconclusive (e.g. a history with nothing in it), 2 usage error.
    """
    # The checker and the reports are imported once the arguments parse: `--help` and a usage error
    # do not wait for them.
    from ..check_file import check_file
    from ..load.run_folder import WORKERS_TABLE, check_workers, read_roll, worker_histories
    from ..record.deliveries_table import DeliveriesTable
    from ..record.receipt_chunks import chunk_prefix
    from ..report.model import build_report
    from .conclude import built, conclude, refuse_overwrite

    output = Output(out, junit, as_json, quiet)
    refuse_overwrite(out, junit, force)
    for folder in (out, report_dir, junit.parent if junit else None):
        if folder is not None:
            writable_folder(folder)
    contract = load_contract(contract_file) if contract_file else None
    workers = worker_histories(history_file) if history_file.is_dir() and find_history(history_file) is None else {}
    for path in workers.values():
        regular_file(path, "history", HistoryFormatError)
    roll = read_roll(history_file) if workers else None
    history_path = history_file if workers else _history_in(history_file)
    fresh = fresh_folder(report_dir, "check") if report_dir is not None and out is None else None
    directory = out or fresh
    named = WORKERS_TABLE if workers else chunk_prefix(history_path)
    table = None if directory is None else DeliveriesTable(directory, named)  # beside the reports
    with _undone_if_refused(fresh, table):
        if workers:
            history, result = check_workers(workers, contract, latency_ms, table, roll)
        else:
            history, result = check_file(history_path, contract, latency_ms, table)
    ops = history.operations
    duration = max((op.complete or op.invoke for op in ops), default=0.0) - min((op.invoke for op in ops), default=0.0)
    kept = f"the history {history_path} is unchanged"
    report = built(lambda: build_report(history, result, [], duration), kept)
    sys.exit(conclude(report, directory, output, output.console(), strict, kept))


@contextmanager
def _undone_if_refused(fresh: Path | None, table: DeliveriesTable | None) -> Iterator[None]:
    """A history the check refuses (or a check stopped) leaves no trace of it: not the folder made
    for its reports, nor the part of a deliveries table it had written."""
    try:
        yield
    except BaseException:
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
        elif table is not None:
            table.clear()
        raise


def _history_in(path: Path) -> Path:
    """The history file itself (a folder's), refused before a byte is read unless it is a regular
    file: a FIFO or /dev/zero would hang the reader."""
    if path.is_dir():
        found = find_history(path)
        if found is None:
            raise click.BadParameter(
                f"{path} holds no {HISTORY_NAME} (or history.jsonl, or a Locust worker's history-WORKER.jsonl.zst)",
                param_hint="HISTORY_FILE",
            )
        path = found
    regular_file(path, "history", HistoryFormatError)
    return path
