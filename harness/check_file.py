"""The final check of a history on disk: what `stocksync check` and a run's end call (`check_file`).

The meta records are read first (the contract, the latency limit, when the run quiesced, how many
receipts there are). A history of up to FRAME_MOST receipts has them loaded as one frame
(`read_with_writers`: a run's columnar chunks, and the receipts in the files' lines, converted by the
pass that reads the other records) and is checked by the
columnar engine (`check_frame`): the clean listeners as frames, the rest streamed on their own
receipts. A larger one recorded as columns (an hour-long run) is checked by the same engine a
share of the listeners at a time, each share's receipts one frame (`check_shares`). Any other is
read as a stream and never held whole (`checks.streamed` judges as it is read), on every core: one
reader per core, each judging a share of the listeners, every one decoding the whole file. A file
the streams cannot take in time order is read whole and checked as one (`checks.check`). Each way
gives the same verdict (tests/property holds them to it). Asked to, each way writes the deliveries
it judged into a run folder's table (`DeliveriesTable`).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl

from .check_shares import check_in_shares
from .checks import CheckResult, check, concluded, gc_paused, latency_limit
from .checks.columnar import Judge, accelerated_frame
from .checks.columnar.tally import tally_of
from .checks.deliveries import DeliveryLog
from .checks.model import LineReceipts, Receipt
from .checks.over_operations import LineReceiptsOf
from .checks.parts import Part, joined
from .checks.streamed import OutOfOrder, Share, StreamedRead
from .record.deliveries_table import DeliveriesTable
from .record.history import HistoryData, load, read_meta
from .record.receipt_table import read_with_writers, receipts_of
from .record.records import ReceiptTally
from .runtime import gevent_patched
from .spec.contract import Contract, described_contract

PARALLEL_MIN_LINES = 250_000  # a line a receipt, but for the definitions of new texts and names
FRAME_MOST = 2_000_000
"""Receipts held as one frame at most: each holds its text, so a frame of more would cost more
memory than the streamed read, which holds only the writes in flight."""
Source = tuple[Path, dict[str, Any], Contract, float, DeliveriesTable | None]
_SOURCE: Source | None = None  # what a reader process reads


def check_file(
    path: Path,
    contract: Contract | None = None,
    latency_limit_ms: float | None = None,
    deliveries: DeliveriesTable | None = None,
) -> tuple[HistoryData, CheckResult]:
    """The history at `path` and its check. The history holds no receipts (`HistoryData.tally` counts
    them) unless the file had to be checked whole. `contract`: by default, the one the run recorded.
    `deliveries`: the table to write the deliveries judged into, anew."""
    if deliveries is not None:
        deliveries.clear()
    meta, lines = read_meta(path, enough=max(PARALLEL_MIN_LINES, FRAME_MOST + 1))
    record = deliveries is not None
    if lines <= FRAME_MOST:
        return _written(check_frame(path, contract, latency_limit_ms, meta, record), deliveries)
    contract, limit_s = _held_against(meta, contract, latency_limit_ms)
    with gc_paused():
        try:
            light, part = check_in_shares(path, meta, contract, limit_s, deliveries) or _read(
                (path, meta, contract, limit_s, deliveries), _readers(lines)
            )
        except OutOfOrder:
            if deliveries is not None:
                deliveries.clear()  # what the streams had written of it
            whole = load(path)
            return _written((whole, check(whole, contract, latency_limit_ms, record)), deliveries)
        return _written((light, concluded(light, contract, part, limit_s, _reread(path, contract))), deliveries)


def check_frame(
    path: Path,
    contract: Contract | None = None,
    latency_limit_ms: float | None = None,
    meta: dict[str, Any] | None = None,
    record: bool = False,
) -> tuple[HistoryData, CheckResult]:
    """The history at `path`, its receipts had as one frame (`checks.columnar.SCHEMA`): one pass reads
    the files' other records and the receipts in their lines, the chunks are read as columns, and the
    listeners' checks accelerated (`accelerated_frame`: only those not clean are streamed, on their
    own receipts). The history holds no receipts (`HistoryData.tally` counts them). `meta`: the file's,
    if already read. `record`: log each delivery judged (`CheckResult.deliveries`)."""
    meta = meta if meta is not None else read_meta(path)[0]
    contract, limit_s = _held_against(meta, contract, latency_limit_ms)
    with gc_paused():
        read = read_with_writers(path, HistoryData(dict(meta)))
        assert read is not None, "no bound on the receipts in the files' lines"
        light, writers = read
        receipts = receipts_of(writers)
        return light, frame_checked(light, receipts, contract, limit_s, _reread(path, contract), record)


def frame_checked(
    light: HistoryData,
    receipts: pl.DataFrame,
    contract: Contract,
    limit_s: float,
    line_receipts: LineReceiptsOf,
    record: bool = False,
) -> CheckResult:
    """The check of a history read without its receipts (`light`, which takes their tally) and
    `receipts` as a frame; `line_receipts`: those about some lines, for write-despite-error; `record`:
    log each delivery judged (`CheckResult.deliveries`)."""
    with ThreadPoolExecutor(1) as pool:  # the tally is polars alone: it runs while Python judges
        tally = pool.submit(tally_of, receipts, float(light.meta.get("time_origin") or 0.0))
        part = accelerated_frame(light, receipts, Judge(contract, limit_s, record))
        light.tally = tally.result()
    return concluded(light, contract, part, limit_s, line_receipts)


def _held_against(
    meta: dict[str, Any], contract: Contract | None, latency_limit_ms: float | None
) -> tuple[Contract, float]:
    """The contract (by default, the one the run recorded) and the latency limit in seconds."""
    return contract or described_contract(meta.get("contract")) or Contract(), latency_limit(
        meta, latency_limit_ms
    ) / 1000


def _readers(lines: int) -> int:
    """One per core for a large file; one where forking is not possible (or, under gevent, Locust's
    threads are greenlets)."""
    cores = os.cpu_count() or 1
    if cores < 2 or lines < PARALLEL_MIN_LINES or gevent_patched("threading"):
        return 1
    return cores if "forkserver" in multiprocessing.get_all_start_methods() else 1


def _written(
    checked: tuple[HistoryData, CheckResult], table: DeliveriesTable | None
) -> tuple[HistoryData, CheckResult]:
    """`checked`, its deliveries written into `table` if asked: those the check held (a streamed read's
    readers have written theirs), or an empty table if it judged none. The result keeps none of them."""
    log = checked[1].deliveries or DeliveryLog()
    if table is not None and (log.held or not table.files()):
        table.write(log.frame())
    checked[1].deliveries = None
    return checked


def _read(source: Source, readers: int) -> tuple[HistoryData, Part]:
    """This process reads the first share and keeps the history; readers started from a forkserver
    judge the others (not forked from here: a fork of a process that used polars, which writes and
    reads the receipts chunks, deadlocks in its thread pool)."""
    if readers == 1:
        return _read_as(_reader(source, (0, 1)), source[0])
    with ProcessPoolExecutor(readers - 1, _forkserver(), _keep, source) as pool:
        others = [pool.submit(_read_share, (index, readers)) for index in range(1, readers)]
        light, part = _read_as(_reader(source, (0, readers)), source[0])
        shares = [future.result() for future in others]
    assert light.tally is not None
    for _, tally in shares:
        light.tally.merge(tally)
    whole = joined([part, *(share for share, _ in shares)])
    whole.seconds = part.seconds
    return light, whole


def _forkserver() -> multiprocessing.context.ForkServerContext:
    """The readers' start method. Its server imports this module once, as it starts, so each reader
    forked from it begins with the checker loaded rather than importing it (half a second a reader);
    the server only imports polars, never runs it, so no thread pool of it is forked."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _read_as(reader: StreamedRead, path: Path) -> tuple[HistoryData, Part]:
    started = time.perf_counter()
    load(path, reader.take, reader.begin_segment, reader.data, reader.listeners)
    return reader.finish(started)


def _reader(source: Source, share: Share) -> StreamedRead:
    """The reader of `share`, writing its deliveries into the table as it judges them, if asked."""
    _, meta, contract, limit_s, table = source
    return StreamedRead(meta, contract, limit_s, share, None if table is None else table.writer(share[0]))


def _keep(path: Path, meta: dict[str, Any], contract: Contract, limit_s: float, table: DeliveriesTable | None) -> None:
    """What a reader reads, kept once as it starts."""
    global _SOURCE
    _SOURCE = (path, meta, contract, limit_s, table)


def _read_share(share: Share) -> tuple[Part, ReceiptTally]:
    assert _SOURCE is not None
    light, part = _read_as(_reader(_SOURCE, share), _SOURCE[0])
    assert light.tally is not None
    return part, light.tally


def _reread(path: Path, contract: Contract) -> LineReceiptsOf:
    """What write-despite-error asks for, read from the file again only if it asks."""
    return lambda lines: _line_receipts(path, contract, lines)


def _line_receipts(path: Path, contract: Contract, lines: set[Any]) -> list[Receipt]:
    """Read the file again for them: only a run with a failed write asks."""
    collected = LineReceipts(contract, lines)
    load(path, collected.take)
    return collected.receipts
