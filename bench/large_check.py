"""Checking a history too large for one frame (issue 34's hour soak: 78M receipts over about 500
listeners, its verdict wanted within 60 s of the end of play, in at most 1 GB): `check_file` of
synthetic histories of SIZES receipts over LISTENERS listeners, recorded as a run records them
(receipts in Parquet chunks), read as a stream by one reader per core (what every such file got
before) and judged by the columnar engine a share of the listeners at a time (`check_shares`), in
the same run. Each check runs in a process of its own: its time is the check's own, its memory the
peak of its process tree's (its readers' too), sampled from outside. Both ways must judge alike."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import psutil

from harness import check_file as reading
from harness import check_shares
from harness.check_file import check_file
from harness.record.history_file import HISTORY_NAME
from harness.testing.synthetic import write_synthetic

from .stats import ratio

SIZES = (5_000_000, 20_000_000)
LISTENERS = 500
WAYS = ("streamed", "shares")
SAMPLE_S = 0.1
SHARE_SIZES = (1_000_000, 500_000, 250_000)


def run() -> dict[str, Any]:
    results: dict[str, Any] = {"listeners": LISTENERS}
    for size in SIZES:
        with tempfile.TemporaryDirectory(dir="/tmp") as folder:
            path = Path(folder) / HISTORY_NAME
            started = time.perf_counter()
            write_synthetic(path, size, LISTENERS)
            written = time.perf_counter() - started
            ways = {way: _measured(path, way) for way in WAYS}
        streamed, shares = ways["streamed"], ways["shares"]
        assert streamed["outcome"] == shares["outcome"], "both ways judge alike"
        assert shares["outcome"]["counts"]["matched"] == size
        results[f"{size:,}"] = {
            "write_s": round(written, 1),
            **{f"{way}_s": ways[way]["seconds"] for way in WAYS},
            **{f"{way}_peak_mb": ways[way]["peak_mb"] for way in WAYS},
            "ratio_shares/streamed_s": ratio(shares["seconds"], streamed["seconds"]),
            "ratio_shares/streamed_peak": ratio(shares["peak_mb"], streamed["peak_mb"]),
            "shares_us_per_receipt": round(shares["seconds"] / size * 1e6, 2),
        }
    return results


def run_share_sizes() -> dict[str, Any]:
    """What a share's size (`check_shares.SHARE_MOST`) costs: the smallest history checked in shares of
    each of SHARE_SIZES receipts at most, one after the other in one run."""
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        path = Path(folder) / HISTORY_NAME
        write_synthetic(path, SIZES[0], LISTENERS)
        measured = {most: _measured(path, "shares", most) for most in SHARE_SIZES}
    outcomes = {json.dumps(figures.pop("outcome"), sort_keys=True) for figures in measured.values()}
    assert len(outcomes) == 1, "every size of share judges alike"
    by_size = {f"{most:,}": figures for most, figures in measured.items()}
    return {"receipts": SIZES[0], "listeners": LISTENERS, **by_size}


def row(result: dict[str, Any]) -> tuple[str, str, str]:
    largest = f"{max(SIZES):,}"
    figures = result[largest]
    return (
        f"check_file of {largest} receipts, {result['listeners']} listeners, in shares",
        f"{figures['shares_s']} s, peak {figures['shares_peak_mb']} MB",
        f"{figures['ratio_shares/streamed_s']} x the time, {figures['ratio_shares/streamed_peak']} x the memory "
        f"of the streamed read ({figures['streamed_s']} s, {figures['streamed_peak_mb']} MB)",
    )


def share_sizes_row(result: dict[str, Any]) -> tuple[str, str, str]:
    sizes = [f"{most:,}" for most in SHARE_SIZES]
    return (
        f"check_file of {result['receipts']:,} receipts in shares of at most {' / '.join(sizes)}",
        " / ".join(f"{result[most]['seconds']} s" for most in sizes),
        "peak " + " / ".join(f"{result[most]['peak_mb']} MB" for most in sizes),
    )


def _measured(path: Path, way: str, most: int | None = None) -> dict[str, Any]:
    """`most`: the receipts a share holds at most, if not SHARE_MOST."""
    asked = [] if most is None else [str(most)]
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.large_check", str(path), way, *asked], stdout=subprocess.PIPE, text=True
    )
    tree = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _rss(tree))
        time.sleep(SAMPLE_S)
    out, _ = child.communicate()
    assert child.returncode == 0, f"the {way} check failed"
    return {**json.loads(out), "peak_mb": round(peak / 1e6)}


def _rss(tree: psutil.Process) -> int:
    """The process's and its descendants' resident memory now."""
    total = 0
    try:
        for process in [tree, *tree.children(recursive=True)]:
            total += process.memory_info().rss
    except psutil.NoSuchProcess:
        pass
    return total


def _check(path: Path, way: str, most: int | None = None) -> dict[str, Any]:
    """In the child: the check as `stocksync check` makes it, or read as a stream as before shares."""
    if most is not None:
        check_shares.SHARE_MOST = most
    started = time.perf_counter()
    if way == "streamed":
        with mock.patch.object(reading, "check_in_shares", return_value=None):
            result = check_file(path)[1]
    else:
        result = check_file(path)[1]
    seconds = round(time.perf_counter() - started, 2)
    outcome = {"verdict": result.verdict, "counts": result.counts, "judged": result.judged}
    return {"seconds": seconds, "outcome": outcome}


if __name__ == "__main__":
    print(json.dumps(_check(Path(sys.argv[1]), sys.argv[2], *(int(most) for most in sys.argv[3:]))))
