"""A run killed with -9 leaves a history that `stocksync check` judges INCONCLUSIVE, never PASS: it has
no end record, and the reason says how far the run got of what it planned. The run's own exception
during or after play is INCONCLUSIVE too, naming what stopped."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.bots.counter import CounterBot
from harness.check_file import check_file
from harness.record.history_file import HISTORY_NAME, read_text
from harness.run.runner import Runner
from harness.testing import wait_until
from tests.e2e.test_cli_run import stocksync

LONG = """
name = "long"
[stocktake]
lines = 4
[counters]
count = 1
think_ms = [20, 40]
debounce_ms = 20
[listeners]
count = 2
[run]
operations = 400
duration_s = 60
"""


def answered(history: Path) -> int:
    """The operations a run's history has answered so far (it is read while being written)."""
    return read_text(history).count('"rec":"op","type":"ok"') if history.exists() else 0


def descendants(pid: int, marker: bytes) -> list[int]:
    """The processes under `pid` whose command line holds `marker` (a run's workers, its pages)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue  # it ended meanwhile
            todo += children
            found += [c for c in children if _cmdline_has(c, marker)]
    return found


def _cmdline_has(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def interfere(scenario: Path, out: Path, answered_first: int, act: Callable[[int], object]) -> tuple[int, str]:
    """Run `scenario` into `out`; once it has answered `answered_first` operations, `act` on its pid (kill
    it, or one of its processes). Its exit code and stderr; nothing of it is left running."""
    command = [sys.executable, "-m", "harness.cli", "run", str(scenario), "--out", str(out)]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)  # fmt: skip
    try:
        wait_until(lambda: answered(out / HISTORY_NAME) >= answered_first, 90, 0.05, what="the counters writing")
        act(run.pid)
        _, stderr = run.communicate(timeout=180)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
    return run.returncode, stderr


def test_a_run_killed_mid_play_is_inconclusive_with_how_far_it_got(tmp_path: Path) -> None:
    scenario, out = tmp_path / "long.toml", tmp_path / "out"
    scenario.write_text(LONG)
    code, _ = interfere(scenario, out, 30, lambda pid: os.killpg(pid, signal.SIGKILL))
    assert code == -signal.SIGKILL
    done = stocksync("check", out)
    assert done.returncode == 3, done.stderr[-2000:]
    said = " ".join(done.stderr.split())
    assert "the run was killed: no end record after " in said and " requests (400 counter steps were planned)" in said
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("where", "what"),
    [(CounterBot, "flow 'counting'"), (Runner, "drain after play")],
    ids=["a-counter-thread-raises", "the-truth-read-raises"],
)
def test_the_run_s_own_exception_is_inconclusive_naming_what_stopped_and_the_reports_are_made(
    stocksync_run, stocksync_stack, monkeypatch, where: type, what: str
) -> None:
    """A bug of the harness's own, injected into it (a counter's step, the truth read after play): the
    run still drains, checks and reports, and says what stopped, never FAIL."""
    name = "step" if where is CounterBot else "_truth"
    original, calls = getattr(where, name), itertools.count()

    def breaks(self: object, *args: object) -> object:
        if next(calls) == 4 or where is Runner:
            raise RuntimeError("the harness's own bug")
        return original(self, *args)

    monkeypatch.setattr(where, name, breaks)
    outcome = stocksync_run("smoke", stack=stocksync_stack, run={"operations": 30})
    assert outcome.result.verdict == "INCONCLUSIVE"
    reason = outcome.result.reasons[0]
    assert reason.startswith(f"the harness's own {what} stopped ") and "RuntimeError: the harness's own bug" in reason
    assert outcome.history_path is not None
    assert check_file(outcome.history_path)[1].reasons[0] == reason, "the history says it, for `check`"
