"""4. Checker: time to check histories of 10k, 100k and 1M receipts, against a bare parse of the
same history in the format runs wrote before receipts chunks (every receipt a line) with msgspec, the
parser the project adopted (fastest measured, beside orjson and the standard library, whose times
are given too), and the growth from size to size.

`ratio_read+check/bare` is `check_file` (what `stocksync check` and a run's end do) on the history as
a run records it now: its receipts read from their Parquet chunks as one frame and checked by the
columnar engine (`checks.columnar`: clean listeners judged as polars frames, the rest by the Python
stream). `ratio_read+check+deliveries/bare` is the same check writing the run folder's deliveries
table too, as a run's end and `stocksync check --out` do. Beside them: `check_file` on the older
format (its lines converted), `check_file` reading the file as a stream (as beyond FRAME_MOST
receipts), `check` of the history in memory, and `stream_check_s`, the same check by the Python
stream alone (the engine before issue 34), with `ratio_read+stream_check/bare` the figure issue 34
started from. `parquet_read_s` reads one receipts
table written by polars and `frame_check_s` checks it with the other records in memory.

The parses are timed with the cyclic garbage collector paused, as the check runs (`gc_paused`):
with it running, its passes over the millions of parsed lists held cost more than the parse
(2.99 s against 0.99 s for 1M receipts,
`bench/results/20261130-041622.json`), and a ratio against that would flatter the check. The one
with the collector running is given too, as earlier results measured it. `floor_s` times the
least any per-record check in Python does (`_floor`), so the ratio can be read against what is
possible at all."""

from __future__ import annotations

import gc
import json
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import msgspec
import orjson
import polars as pl

from harness import check_file as reading
from harness import checks
from harness.check_file import check_file, frame_checked
from harness.checks import CheckResult, check, gc_paused
from harness.checks.columnar import receipts_frame
from harness.checks.parts import all_listeners
from harness.record.deliveries_table import DeliveriesTable
from harness.record.history import HistoryData, load
from harness.record.history_file import HISTORY_NAME, read_text
from harness.spec.contract import Contract
from harness.testing import history_with, write_history

from .stats import ratio

SIZES = (10_000, 100_000, 1_000_000)
PARSERS = {"msgspec": msgspec.json.Decoder().decode, "orjson": orjson.loads, "json": json.loads}


def _parse_all(parse: Any, lines: list[str]) -> list[Any]:
    return [parse(line) for line in lines]


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def _paused(fn: Any, *args: Any) -> float:
    with gc_paused():
        return _timed(fn, *args)[0]


def _floor(history: HistoryData) -> float:
    """Seconds for the least any per-record check in Python does with a receipt: drop a second copy,
    find its write (through an index built beforehand, untimed, as is every payload's parse), count
    its latency by event and by listener, keep its line's latest write for the listener. The real
    check does all of this and also routing, windows, roles and pages. Written for the synthetic
    history: every receipt is a line update."""
    writes = {(op.body["id"], op.body["counted_full_units"], op.body["counted_partial_units"]): op
              for op in history.operations}  # fmt: skip
    receipts = [o for o in history.observations if o.kind == "receipt"]
    lines: dict[tuple[str | None, Any], tuple[Any, Any, Any]] = {}
    for obs in receipts:
        if (obs.event, obs.data) not in lines:
            line = json.loads(obs.data)["line"]
            lines[(obs.event, obs.data)] = (line["id"], line["counted_full_units"], line["counted_partial_units"])
    held: dict[Any, float] = {}
    by_event: dict[Any, int] = {}
    by_listener: dict[Any, int] = {}
    latest: dict[Any, float] = {}
    with gc_paused():
        t0 = time.perf_counter()
        for obs in receipts:
            line = lines[(obs.event, obs.data)]
            copy = (obs.listener, obs.channel, line)
            if copy in held:
                continue
            held[copy] = obs.time
            op = writes[line]
            bucket = int((obs.time - op.invoke) * 1e5)
            by_event[(obs.event, bucket)] = by_event.get((obs.event, bucket), 0) + 1
            by_listener[(obs.listener, bucket)] = by_listener.get((obs.listener, bucket), 0) + 1
            if op.invoke > latest.get((obs.listener, line[0]), -1.0):
                latest[(obs.listener, line[0])] = op.invoke
        return time.perf_counter() - t0


def _stream_check(history: HistoryData) -> CheckResult:
    """`check` with the listeners judged by the Python stream alone."""
    engine = checks.accelerated
    checks.accelerated = all_listeners
    try:
        return check(history, Contract())
    finally:
        checks.accelerated = engine


def _frame_check(light: HistoryData, receipts: pl.DataFrame) -> CheckResult:
    """`check_file.check_frame`'s work once the records other than receipts are in memory."""
    with gc_paused():
        return frame_checked(light, receipts, Contract(), float(light.meta["latency_limit_ms"]) / 1000, lambda _: [])


def _columnar(history: HistoryData, folder: Path, bare: float, read: float) -> tuple[dict[str, Any], CheckResult]:
    """Today's engine against the columnar one from Parquet (what is timed: reading the receipts
    table, and the check)."""
    stream_took, streamed = _timed(_stream_check, history)
    table = folder / "receipts.parquet"
    receipts_frame(history.observations).write_parquet(table, compression="zstd")
    light = HistoryData(history.meta, history.operations, [o for o in history.observations if o.kind != "receipt"])
    parquet_read, receipts = _timed(pl.read_parquet, table)
    frame_took, from_frame = _timed(_frame_check, light, receipts)
    assert from_frame.counts == streamed.counts, "the engine judges from Parquet as the stream does"
    return {
        "stream_check_s": round(stream_took, 2),
        "ratio_read+stream_check/bare": ratio(read + stream_took, bare),
        "parquet_read_s": round(parquet_read, 3),
        "frame_check_s": round(frame_took, 2),
        "ratio_parquet+check/bare": ratio(parquet_read + frame_took, bare),
    }, streamed


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    previous = None
    for size in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            old, new = Path(folder) / "old" / HISTORY_NAME, Path(folder) / "new" / HISTORY_NAME
            old.parent.mkdir()
            new.parent.mkdir()
            synthetic = history_with(size)
            write_history(synthetic, old, columns=False)
            write_history(synthetic, new)
            del synthetic
            lines = read_text(old).splitlines()
            bare = {name: _paused(_parse_all, parse, lines) for name, parse in PARSERS.items()}
            bare_gc_running = _timed(_parse_all, PARSERS["msgspec"], lines)[0]
            read, history = _timed(load, old)
            recorded, (_, from_record) = _timed(check_file, new, Contract())
            tabled, (_, from_tabled) = _timed(check_file, new, Contract(), None, DeliveriesTable.beside(new))
            converted, (_, from_old) = _timed(check_file, old, Contract())
            streamed, (_, from_stream) = _timed(_streamed_check_file, new)
            took, result = _timed(check, history, Contract())
            engines, by_stream = _columnar(history, Path(folder), bare["msgspec"], read)
        floor = _floor(history)
        judged_alike = {
            r.counts["matched"] for r in (from_record, from_tabled, from_old, from_stream, result, by_stream)
        }
        assert judged_alike == {size} and not result.findings, "every way of checking judges alike, and finds nothing"
        results[f"{size:,}"] = {
            "check_s": round(took, 2),
            "read_s": round(read, 2),
            **{f"bare_parse_{name}_s": round(t, 2) for name, t in bare.items()},
            "bare_parse_msgspec_gc_running_s": round(bare_gc_running, 2),
            "floor_s": round(floor, 2),
            "ratio_floor/bare": ratio(floor, bare["msgspec"]),
            "ratio_check/bare": ratio(took, bare["msgspec"]),
            "check_file_s": round(recorded, 2),
            "ratio_read+check/bare": ratio(recorded, bare["msgspec"]),
            "check_file_writing_deliveries_s": round(tabled, 2),
            "ratio_read+check+deliveries/bare": ratio(tabled, bare["msgspec"]),
            "check_file_older_format_s": round(converted, 2),
            "ratio_older_format/bare": ratio(converted, bare["msgspec"]),
            **engines,
            "streamed_check_file_s": round(streamed, 2),
            "ratio_streamed/bare": ratio(streamed, bare["msgspec"]),
            "us_per_receipt": round(took / size * 1e6, 1),
            "growth_vs_previous_size": ratio(took, previous) if previous else None,
        }
        previous = took
        del history, lines
    return results


def _streamed_check_file(path: Path) -> tuple[HistoryData, CheckResult]:
    """`check_file` reading the file as a stream, as it did beyond FRAME_MOST receipts before the
    columnar engine judged such a file in shares of the listeners (and still does an older file)."""
    with mock.patch.object(reading, "FRAME_MOST", -1), mock.patch.object(reading, "check_in_shares", return_value=None):
        return check_file(path, Contract())
