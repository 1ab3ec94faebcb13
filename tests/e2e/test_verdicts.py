"""Verdicts as a user meets them: exit 3 for a run that proved nothing, the reason in every report,
signals that stop, hurry and abort, and re-checks that keep the run's verdict and files."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.record.history_file import HISTORY_NAME, read_text
from harness.testing import wait_until
from tests.e2e.test_cli_run import TINY, stocksync
from tests.support import in_process


def _play_and_signal(tmp_path: Path, signals: int) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "r"
    run = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", "busy-stocktake", "--report-dir", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(
            lambda: any(out.rglob(HISTORY_NAME)) and "patch_line" in read_text(next(out.rglob(HISTORY_NAME))),
            30,
            what="counters writing",
        )
        history = next(out.rglob(HISTORY_NAME))
        run.send_signal(signal.SIGINT)
        if signals == 2:  # once the run has stopped playing and is draining, hurry it
            wait_until(lambda: '"interrupted":"SIGINT"' in read_text(history), 30, what="the drain")
            run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    folder = next(out.iterdir())
    return subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr), folder


@pytest.mark.parametrize("signals", [1, 2], ids=["stop", "stop-and-hurry"])
def test_an_interrupted_run_is_inconclusive_with_the_reason_in_every_report(tmp_path: Path, signals: int) -> None:
    done, folder = _play_and_signal(tmp_path, signals)
    assert done.returncode == 3, done.stderr[-2000:]
    report = json.loads((folder / "report.json").read_text())
    assert report["verdict"] == "INCONCLUSIVE"
    (reason,) = [r for r in report["reasons"] if r.startswith("interrupted")]
    assert reason.startswith("interrupted by SIGINT after ") and reason.endswith(" of 240 planned counter steps")
    assert reason in (folder / "junit.xml").read_text()
    assert reason in (folder / "report.html").read_text()
    assert "INCONCLUSIVE" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("content", ["", '{"rec": "meta", "scenario": "smoke"}\n'], ids=["empty", "meta-only"])
def test_check_of_a_history_with_nothing_in_it_is_inconclusive(tmp_path: Path, content: str) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text(content)
    done = stocksync("check", history)
    assert done.returncode == 3, done.stderr
    assert "nothing was checked" in " ".join(done.stderr.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.jsonl"], "no reports unless asked"


def test_a_refusing_backend_fails_the_run_naming_the_refusal(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY)
    done = in_process("run", scenario, "--fault", "refuse-line-writes", "--report-dir", tmp_path / "r")
    assert done.returncode == 1, done.stderr
    folder = next((tmp_path / "r").iterdir())
    report = json.loads((folder / "report.json").read_text())
    (finding,) = [f for f in report["findings"] if f["name"] == "writes-refused"]
    assert finding["actual"]["status"] == 403 and "permission" in finding["actual"]["samples"][0]
    assert "writes-refused" in (folder / "junit.xml").read_text()
