"""A distributed run short of a worker's history never passes: the master's roll of its workers lies in
the run's folder, and every check of the folder, the master's and `stocksync check FOLDER` later,
says which worker's part of the run was never judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.load.run_folder import ROLL, Roll, check_workers, read_roll, worker_file, worker_histories, write_roll
from harness.testing import write_history
from tests.unit.test_merge import _worker

SHORT = Roll(3, ["a", "b"], {"c": "ConnectionError: port 9 refused"})


def _folder(tmp_path: Path, roll: Roll | None) -> Path:
    """Two healthy workers' histories, and the master's roll if any."""
    for worker, clock in (("a", 0.0), ("b", 86_400.0)):
        write_history(_worker(clock, 1.5, defect=None), tmp_path / worker_file(worker))
    if roll is not None:
        write_roll(tmp_path, roll)
    return tmp_path


@pytest.mark.parametrize("roll", [None, Roll(2, ["a", "b"])], ids=["no-roll", "every-worker-sent"])
def test_a_folder_with_every_worker_s_history_is_judged_on_them(tmp_path: Path, roll: Roll | None) -> None:
    """The control: the same two histories pass, with the roll of a run whose workers all sent theirs
    and with none (a folder from before rolls)."""
    folder = _folder(tmp_path, roll)
    merged, result = check_workers(worker_histories(folder), roll=read_roll(folder))
    assert result.verdict == "PASS" and merged.wholeness.whole, result.reasons


def test_a_worker_that_sent_no_history_leaves_the_run_inconclusive_saying_which(tmp_path: Path) -> None:
    folder = _folder(tmp_path, SHORT)
    assert read_roll(folder) == SHORT
    merged, result = check_workers(worker_histories(folder), roll=read_roll(folder))
    said = (
        "only 2 of the run's 3 Locust workers sent their history (worker c's set-up failed: ConnectionError: "
        "port 9 refused), so what the other 1 wrote and heard was not checked"
    )
    assert result.verdict == "INCONCLUSIVE" and result.reasons == [said]
    assert not merged.wholeness.whole and result.counts["matched"] > 0, "the two that came are judged still"


def test_stocksync_check_of_the_folder_says_so_too(tmp_path: Path) -> None:
    folder = _folder(tmp_path, SHORT)
    out = tmp_path / "again"
    done = CliRunner().invoke(main, ["check", str(folder), "--out", str(out), "--quiet"])
    report = json.loads((out / "report.json").read_text())
    assert done.exit_code == 3, done.output
    assert report["verdict"] == "INCONCLUSIVE" and "only 2 of the run's 3 Locust workers" in report["reasons"][0]


@pytest.mark.parametrize("text", ['{"expected": "three", "sent": []}', "{", '{"expected": 2, "sent": [], "x": 1}'])
def test_a_damaged_roll_is_refused_naming_it(tmp_path: Path, text: str) -> None:
    folder = _folder(tmp_path, None)
    (folder / ROLL).write_text(text)
    done = CliRunner().invoke(main, ["check", str(folder)])
    assert done.exit_code == 2 and ROLL in done.output and "not the roll of a run's workers" in done.output
    assert "Traceback" not in done.output
