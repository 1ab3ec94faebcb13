"""Checking a history too large for one frame (issue 34's hour soak: 78M receipts over about 500
listeners, its verdict wanted within 60 s of the end of play, in at most 1 GB): `check_file` of
synthetic histories of SIZES receipts over LISTENERS listeners, recorded as a run records them
(receipts in Parquet chunks), read as a stream by one reader per core (what every such file got
before) and judged by the columnar engine a share of the listeners at a time (`check_shares`), in
the same run. Each check runs in a process of its own: its time is the check's own, its memory the
peak of its process tree's (its readers' too), sampled from outside. Both ways must judge alike.
`run_against_base` holds the shares check to another revision's (BASE) the same way."""

from __future__ import annotations

import json
import os
import resource
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
BASE = os.environ.get("BENCH_BASE", "main")
"""The revision `run_against_base` holds this tree to: `main` unless BENCH_BASE names another (a commit
on main, to measure what came since)."""
ROUNDS = 2


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


def run_against_base() -> dict[str, Any]:
    """The shares check of this tree against BASE's (`git archive`d beside the histories), on the same
    histories, ROUNDS times each, alternating (the machine is shared: the load moves). CPU seconds are
    the check's process tree's, summed from the kernel's accounting of reaped children."""
    results: dict[str, Any] = {"listeners": LISTENERS, "base": BASE, "load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        base = Path(folder) / "base"
        base.mkdir()
        archive = subprocess.run(["git", "archive", BASE], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        for size in SIZES:
            path = Path(folder) / f"{size}" / HISTORY_NAME
            path.parent.mkdir()
            write_synthetic(path, size, LISTENERS)
            runs: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
            for _ in range(ROUNDS):
                for who, root in (("base", base), ("this", Path.cwd())):
                    runs[who].append(_measured(path, "shares", root=root))
            outcomes = {json.dumps(run.pop("outcome"), sort_keys=True) for who in runs for run in runs[who]}
            assert len(outcomes) == 1, "both trees judge alike"
            results[f"{size:,}"] = {**runs, **_ratios(runs), "load_average_at_end": os.getloadavg()}
    return results


def _ratios(runs: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """This tree's least figure over the base's least, for each figure (the least is the least disturbed)."""
    return {
        f"ratio_this/base_{figure}": ratio(min(r[figure] for r in runs["this"]), min(r[figure] for r in runs["base"]))
        for figure in ("seconds", "cpu_s", "peak_mb")
    }


def row(result: dict[str, Any]) -> tuple[str, str, str]:
    largest, figures = _largest(result)
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


def against_base_row(result: dict[str, Any]) -> tuple[str, str, str]:
    largest, figures = _largest(result)
    return (
        f"check_file of {largest} receipts in shares, this tree against {result['base']}",
        f"{figures['ratio_this/base_seconds']} x the time, {figures['ratio_this/base_cpu_s']} x the CPU",
        f"{figures['ratio_this/base_peak_mb']} x the peak memory (least of {ROUNDS} runs each, alternating)",
    )


def _largest(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The largest history's size as the results name it, and its figures: what a table row shows."""
    largest = f"{max(SIZES):,}"
    return largest, result[largest]


def _measured(path: Path, way: str, most: int | None = None, root: Path | None = None) -> dict[str, Any]:
    """`most`: the receipts a share holds at most, if not SHARE_MOST; `root`: the tree whose code checks,
    if not this one."""
    asked = [] if most is None else [str(most)]
    env = None if root is None else {**os.environ, "PYTHONPATH": str(root)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.large_check", str(path), way, *asked],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env=env,
    )
    tree = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _rss(tree))
        time.sleep(SAMPLE_S)
    out, _ = child.communicate()
    assert child.returncode == 0, f"the {way} check failed"
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {**json.loads(out), "peak_mb": round(peak / 1e6), "cpu_s": round(cpu, 1)}


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
        check_shares.SHARE_MOST = check_shares.ROUND_MOST = most  # a run reads rounds of a share's bound too
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
