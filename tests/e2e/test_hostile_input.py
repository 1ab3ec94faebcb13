"""Hostile input as a careful user would try it: one line and exit 2, never a traceback, never a
file outside the folder the user named, never a silent default."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.record.history_file import HISTORY_NAME
from tests.e2e.test_cli_run import TINY, stocksync
from tests.support import in_process

BAD_BYTES = b'name = "caf\xe9"\n'


def _refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    flat = " ".join(done.stderr.split())
    for word in words:
        assert word in flat, flat


def test_a_scenario_name_cannot_write_outside_the_report_folder(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY.replace('name = "tiny"', 'name = "/../../escaped"'))
    reports = tmp_path / "deep" / "reports"
    done = stocksync("run", scenario, "--report-dir", reports, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (folder,) = reports.iterdir()
    assert folder.name.endswith("-escaped") and (folder / "report.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "s.toml"]


@pytest.mark.parametrize("kind", ["scenario", "contract", "config", "history"])
def test_files_that_are_not_utf8_are_refused_naming_the_file(tmp_path: Path, kind: str) -> None:
    bad = tmp_path / f"bad-{kind}"
    bad.write_bytes(BAD_BYTES)
    args = {
        "scenario": ["run", bad, "--dry-run"],
        "contract": ["run", "--contract", bad, "--dry-run"],
        "config": ["run", "--config", bad, "--dry-run"],
        "history": ["check", bad],
    }[kind]
    _refused(stocksync(*args), str(bad), "not UTF-8")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_scenario_numbers_must_be_finite(tmp_path: Path, value: str) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY.replace("[counters]", f"[counters]\nmix = {{patch = {value}}}"))
    _refused(stocksync("run", scenario, "--dry-run"), "counters.mix.patch", "finite")


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", "--report-dir", "{afile}/sub"], ["cannot write reports to"]),
        (["check", "{history}", "--report-dir", "{afile}/sub"], ["cannot write reports to"]),
        (["run", "--config", "{config}"], ["[target] target", "valid string"]),
        (["run", "--target", "http://[::1", "--token", "t", "--hotel", "h", "--pusher-key", "k"], ["not a URL"]),
        (["run", "--fault", "pusher-drop="], ["empty rate"]),
        (["serve", "--pusher-port", "70000"], ["70000", "0<=x<=65535"]),
        (["serve", "--api-port", "-1"], ["-1"]),
        (["check", "{nan_history}"], ["line 2", "NaN"]),
        (["check", "{typed_history}"], ["line 2", "time is str"]),
    ],
)
def test_bad_values_are_refused_before_anything_starts(tmp_path: Path, args: list[str], words: list[str]) -> None:
    paths = {
        "afile": tmp_path / "afile",
        "config": tmp_path / "c.toml",
        "history": tmp_path / "h.jsonl",
        "nan_history": tmp_path / "nan.jsonl",
        "typed_history": tmp_path / "typed.jsonl",
    }
    paths["afile"].write_text("a file, not a folder")
    paths["config"].write_text("[target]\ntarget = 5\n")
    paths["history"].write_text('{"rec": "meta"}\n')
    paths["nan_history"].write_text('{"rec": "meta"}\n{"rec": "obs", "kind": "receipt", "time": NaN}\n')
    paths["typed_history"].write_text('{"rec": "meta"}\n{"rec": "obs", "kind": "receipt", "time": "later"}\n')
    _refused(stocksync(*[a.format(**paths) for a in args], cwd=tmp_path), *words)


def test_more_listeners_than_open_files_are_refused_naming_the_limit(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY.replace("[listeners]\ncount = 1", '[listeners]\ncount = 1200\nkind = "asyncio"'))

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(scenario), "--report-dir", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=low_limit,
    )
    _refused(done, "1201 listeners need about 2602 open files", "may open 1024")


def test_serve_refuses_a_fault_log_it_cannot_write_at_start(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.jsonl")
    cases = (("/proc/nope.jsonl", ["/proc/nope.jsonl", "cannot append"]), (tmp_path / "fifo.jsonl", ["a FIFO"]))
    for log, words in cases:
        _refused(stocksync("serve", "--fault-log", log), *words)


SLOW = TINY.replace("think_ms = [10, 30]", "think_ms = [60000, 60000]").replace(
    "operations = 6\nduration_s = 15", 'operations = 1000\nduration_s = {seconds}\nuntil = "time"'
)


def _started(args: list[str | Path]) -> subprocess.Popen[str]:
    """`stocksync` as a shell starts it: SIGINT at its default (a background job's would be ignored)."""
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_run_stops_on_its_time_bound_whatever_its_counters_think(tmp_path: Path) -> None:
    """Counters that think for a minute between writes: the 2 s run still ends once its time is up,
    well before one think is over."""
    scenario = tmp_path / "slow.toml"
    scenario.write_text(SLOW.format(seconds=2))
    started = time.monotonic()
    done = in_process("run", scenario, "--report-dir", tmp_path / "r")
    assert done.returncode in (0, 3), done.stderr
    assert time.monotonic() - started < 60, "a counter's minute-long think held the run past its time bound"


@pytest.mark.parametrize(
    "when, sig",
    [("folder", signal.SIGINT), ("history", signal.SIGINT), ("playing", signal.SIGINT), ("playing", signal.SIGTERM)],
)
def test_a_stop_signal_at_any_stage_exits_cleanly_within_10_s(tmp_path: Path, when: str, sig: signal.Signals) -> None:
    """SIGINT once the report folder exists (the stack starting), once the history does (listeners
    subscribing) or once the run reports progress (SIGTERM too): 130 before play, 3 (inconclusive,
    still reported) after it began, within 10 s, and never a traceback."""
    scenario, reports = tmp_path / "slow.toml", tmp_path / "r"
    scenario.write_text(SLOW.format(seconds=300))
    run = _started(["run", scenario, "--report-dir", reports])
    try:
        if when == "playing":
            assert run.stderr is not None
            _wait_for(lambda: " counter steps" in run.stderr.readline())
        else:
            name = {"folder": None, "history": HISTORY_NAME}[when]
            _wait_for(lambda: any(name is None or (f / name).exists() for f in reports.glob("*")))
        run.send_signal(sig)
        out, err = run.communicate(timeout=10)
    finally:
        run.kill()
        run.wait()
    assert run.returncode in ((3,) if when == "playing" else (3, 130)), err
    assert "Traceback" not in err
    if run.returncode == 3:
        assert f"interrupted by {sig.name}" in " ".join(err.split())
