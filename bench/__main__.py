"""`python -m bench [NAME ...]`: run the benchmarks (all but the hour-long `soak_hour` by default),
print a table and write reports/bench/<timestamp>.json with every figure and the machine it ran on."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from . import (
    browsers,
    capacity,
    checker,
    e2e,
    fanout,
    history_size,
    large_check,
    latency,
    live_rate,
    locust_run,
    receipt_columns,
    report_size,
    soak,
    stream_memory,
)
from .columnar import run as columnar

BENCHMARKS: dict[str, Callable[[], dict[str, Any]]] = {
    "fanout": fanout.run,
    "capacity": capacity.run,
    "capacity_processes": capacity.run_spread,
    "e2e": e2e.run,
    "checker": checker.run,
    "latency": latency.run,
    "report_size": report_size.run,
    "history_size": history_size.run,
    "locust_run": locust_run.run,
    "soak": soak.run,
    "soak_hour": soak.run_hour,
    "browsers": browsers.run,
    "stream_memory": stream_memory.run,
    "columnar": columnar.run,
    "receipt_columns": receipt_columns.run,
    "live_rate": live_rate.run,
    "large_check": large_check.run,
    "share_sizes": large_check.run_share_sizes,
    "shares_vs_base": large_check.run_against_base,
}


ASKED_FOR_ONLY = {"soak_hour", "shares_vs_base"}  # an hour; a revision archived from git: run when named
TARGET_LISTENERS = 2000
# benchmarks that say their own table row
ROW: dict[str, Callable[[dict[str, Any]], tuple[str, str, str]]] = {
    "capacity_processes": capacity.spread_row,
    "browsers": browsers.row,
    "soak": soak.row,
    "soak_hour": soak.row,
    "stream_memory": stream_memory.row,
    "columnar": columnar.row,
    "receipt_columns": receipt_columns.row,
    "live_rate": live_rate.row,
    "large_check": large_check.row,
    "share_sizes": large_check.share_sizes_row,
    "shares_vs_base": large_check.against_base_row,
}


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def headline(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, value, against its baseline) rows for the table and the README."""
    rows: list[tuple[str, str, str]] = []
    if "fanout" in results:
        f = results["fanout"]
        for label in ("10k/s", "flat out"):
            ours, bare = f["embedded Pusher server"][label], f["bare aiohttp broadcast"][label]
            rows.append(
                (
                    f"fan-out to 1,000 listeners, {label}",
                    f"{ours['deliveries_per_s']:,}/s p50 {ours['p50_ms']} ms p99 {ours['p99_ms']} ms",
                    f"{f['ratio ours/bare'][label]} x bare ({bare['deliveries_per_s']:,}/s, p99 {bare['p99_ms']} ms)",
                )
            )
    if "capacity" in results:
        for kind, c in results["capacity"].items():
            at_target = [s for s in c["steps"] if s["listeners"] == TARGET_LISTENERS and s.get("ready")]
            rows.append(
                (
                    f"{kind} listeners in one process, p99 < 100 ms at 5k/s",
                    f"{c['max_listeners_p99_under_100ms']:,}",
                    f"target {TARGET_LISTENERS:,}: p99 {at_target[0]['p99_ms']} ms" if at_target else "",
                )
            )
    if "e2e" in results:
        e = results["e2e"]
        rows.append(
            (
                "end to end, busy-stocktake (asyncio listeners)",
                f"{e['checked_deliveries_per_s']:,} checked deliveries/s",
                f"harness CPU share {e['harness_cpu_share']} (server {1 - e['harness_cpu_share']:.3f})",
            )
        )
    if "checker" in results:
        for size, c in results["checker"].items():
            rows.append(
                (
                    f"check {size} receipts",
                    f"{c['check_s']} s ({c['us_per_receipt']} us/receipt); read {c['read_s']} s",
                    f"{c['ratio_check/bare']} x a bare msgspec parse of the file ({c['bare_parse_msgspec_s']} s, "
                    f"collector paused; read + check {c['ratio_read+check/bare']} x; the file streamed "
                    f"{c['streamed_check_file_s']} s, {c['ratio_streamed/bare']} x); the least a per-record check "
                    f"does {c['ratio_floor/bare']} x; growth {c['growth_vs_previous_size']}",
                )
            )
    if "latency" in results:
        lat = results["latency"]
        ours, bare = lat["embedded Pusher server"], lat["bare aiohttp broadcast"]
        rows.append(
            (
                "trigger-to-receipt floor, one listener",
                f"median {ours['median_ms']} ms p99 {ours['p99_ms']} ms",
                f"{lat['ratio ours/bare']['median']} x bare median ({bare['median_ms']} ms)",
            )
        )
    if "report_size" in results:
        r = results["report_size"]
        rows.append(
            (
                f"report.html for {r['receipts']:,} receipts",
                f"{r['report_html_bytes'] / 1024:.0f} KiB (report.json {r['report_json_bytes'] / 1024:.0f} KiB)",
                f"{r['ratio_html/history']} x the history ({r['history_bytes'] / 1e6:.1f} MB)",
            )
        )
    if "history_size" in results:
        h = results["history_size"]
        rows.append(
            (
                f"bytes per receipt on disk ({h['listeners']} listeners)",
                f"{h['compressed_bytes_per_receipt']} B (compact, uncompressed: {h['compact_bytes_per_receipt']} B)",
                f"{h['ratio_old/compressed']} x fewer than the old format ({h['old_bytes_per_receipt']} B)",
            )
        )
        b = h["busy_stocktake"]
        rows.append(
            (
                f"busy-stocktake run: whole history per receipt ({b['receipts']:,} receipts)",
                f"{b['file_bytes_per_receipt']} B",
                f"{b['ratio_old/new']} x fewer than the old format ({b['old_format_bytes_per_receipt']} B)",
            )
        )
    rows.extend(ROW[name](results[name]) for name in ROW if name in results)
    if "locust_run" in results:
        lr = results["locust_run"]
        rows.append(
            (
                f"60 s Locust run, {lr['listeners']} listeners: bytes per receipt (whole history)",
                f"{lr['history_bytes_per_receipt']} B, peak RSS {lr['peak_rss_mb']} MB, "
                f"{lr['rss_growth_during_play_pct']} % growth from 15 s to 55 s",
                f"{lr['ratio_old/new']} x fewer than the old format ({lr['old_format_receipt_bytes_per_receipt']} B)",
            )
        )
    return rows


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    console = Console()
    results: dict[str, Any] = {"machine": machine(), "started": dt.datetime.now().isoformat(timespec="seconds")}
    for name in names or [n for n in BENCHMARKS if n not in ASKED_FOR_ONLY]:
        console.print(f"[bold]{name}[/] …")
        t0 = time.monotonic()
        results[name] = BENCHMARKS[name]()
        console.print(f"  done in {time.monotonic() - t0:.0f} s")
    table = Table(
        title=f"stocksync benchmarks on {results['machine']['cpus']} CPUs, Python {results['machine']['python']}"
    )
    for column in ("figure", "value", "against the baseline"):
        table.add_column(column)
    for row in headline(results):
        table.add_row(*row)
    console.print(table)
    out = Path("reports/bench")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    console.print(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
