"""A distributed run short of a worker's history never passes: the master's roll of its workers lies in
the run's folder, written before their histories, and every check of the folder, the master's and
`stocksync check FOLDER` later, says which worker's part of the run was never judged."""

from __future__ import annotations

import json
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.load.load_run import RUN, stamped, this_run
from harness.load.run_folder import (
    ROLL,
    Roll,
    check_workers,
    read_roll,
    worker_file,
    worker_histories,
    write_folder,
    write_roll,
)
from harness.record.history_file import HISTORY_NAME, read_text
from harness.testing import write_history
from tests.unit.test_merge import _worker

SHORT = Roll(["a", "b", "c", "d"], ["a", "b"], {"c": "ConnectionError: port 9 refused"})
UNSENT = (
    "2 of the run's 4 Locust workers sent no history (c, whose set-up failed: ConnectionError: port 9 refused; d), "
    "so what they wrote and heard was not checked"
)


def _folder(tmp_path: Path, roll: Roll | None) -> Path:
    """Two healthy workers' histories, and the master's roll if any."""
    for worker, clock in (("a", 0.0), ("b", 86_400.0)):
        write_history(_worker(clock, 1.5, defect=None), tmp_path / worker_file(worker))
    if roll is not None:
        write_roll(tmp_path, roll)
    return tmp_path


@pytest.mark.parametrize("roll", [None, Roll(["a", "b"], ["a", "b"])], ids=["no-roll", "every-worker-sent"])
def test_a_folder_with_every_worker_s_history_is_judged_on_them(tmp_path: Path, roll: Roll | None) -> None:
    """The control: the same two histories pass, with the roll of a run whose workers all sent theirs
    and with none (a folder from before rolls)."""
    folder = _folder(tmp_path, roll)
    merged, result = check_workers(worker_histories(folder), roll=read_roll(folder))
    assert result.verdict == "PASS" and merged.wholeness.whole, result.reasons


def test_workers_that_sent_no_history_leave_the_run_inconclusive_saying_which(tmp_path: Path) -> None:
    folder = _folder(tmp_path, SHORT)
    assert read_roll(folder) == SHORT
    merged, result = check_workers(worker_histories(folder), roll=read_roll(folder))
    assert result.verdict == "INCONCLUSIVE" and result.reasons == [UNSENT]
    assert not merged.wholeness.whole and result.counts["matched"] > 0, "the two that came are judged still"


def test_a_history_the_master_wrote_and_is_gone_leaves_it_inconclusive_too(tmp_path: Path) -> None:
    folder = _folder(tmp_path, Roll(["a", "b"], ["a", "b"]))
    (folder / worker_file("b")).unlink()
    _, result = check_workers(worker_histories(folder), roll=read_roll(folder))
    assert result.verdict == "INCONCLUSIVE" and result.reasons == [
        "the history of worker b is not in the folder though its master wrote it there, so what it wrote and "
        "heard was not checked"
    ]


def test_stocksync_check_of_the_folder_says_so_too(tmp_path: Path) -> None:
    folder = _folder(tmp_path, SHORT)
    out = tmp_path / "again"
    done = CliRunner().invoke(main, ["check", str(folder), "--out", str(out), "--quiet"])
    assert done.exit_code == 3, done.output
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "INCONCLUSIVE" and report["reasons"][0] == UNSENT


@pytest.mark.parametrize(
    "text",
    [
        '{"workers": ["a"], "sent": "a"}',
        "{",
        '{"workers": ["a", "b"], "sent": ["a", "b"], "expected": 2}',
        '{"workers": [], "sent": []}',
        '{"workers": ["a", "a"], "sent": ["a"]}',
        '{"workers": ["a"], "sent": ["a", "b"]}',
    ],
    ids=["sent-not-a-list", "cut", "unknown-field", "no-workers", "a-worker-twice", "sent-by-no-worker"],
)
def test_a_damaged_roll_is_refused_naming_it(tmp_path: Path, text: str) -> None:
    folder = _folder(tmp_path, None)
    (folder / ROLL).write_text(text)
    done = CliRunner().invoke(main, ["check", str(folder)])
    assert done.exit_code == 2 and ROLL in done.output and "not the roll of a run's workers" in done.output
    assert "Traceback" not in done.output


def test_a_roll_that_is_not_a_file_is_refused_not_skipped(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None)
    (folder / ROLL).mkdir()
    done = CliRunner().invoke(main, ["check", str(folder)])
    assert done.exit_code == 2 and ROLL in done.output and "Traceback" not in done.output


def test_the_master_writes_its_roll_and_names_each_history_by_its_worker(tmp_path: Path) -> None:
    """Two workers took part and one sent its history: the folder is a workers' folder (its one history
    named by its worker), so a later check reads the roll; a run of one process writes no roll."""
    texts = {"a": read_text(_folder(tmp_path / "given", None) / worker_file("a"))}
    folder, histories = write_folder(tmp_path / "reports", texts, {"a": {}}, Roll(["a", "b"], ["a"]))
    assert histories == {"a": folder / worker_file("a")} and read_text(histories["a"]) == texts["a"]
    assert read_roll(folder) == Roll(["a", "b"], ["a"])
    local, alone = write_folder(tmp_path / "local", {"local": texts["a"]}, {"local": {}}, None)
    assert alone == {"local": local / HISTORY_NAME} and read_roll(local) is None


BOOKKEEPING = """
import json
from types import SimpleNamespace
from harness.load import hooks

hooks.RUN.started, hooks.RUN.run_id = 1.0, "run-2"
hooks.on_worker_connect(client_id="joined/mid run")
message = SimpleNamespace(node_id="w1", data={"worker": "someone-else", "run": "run-2", "history": "{}", "parts": {}})
hooks._on_history(None, message)
hooks._on_history(None, SimpleNamespace(node_id="w2", data={"worker": "w2", "run": "run-2", "error": "refused"}))
earlier = {"worker": "w3", "run": "run-1", "history": "{}", "parts": {}}
hooks._on_history(None, SimpleNamespace(node_id="w3", data=earlier))
hooks._on_history(None, SimpleNamespace(node_id="w1", data=earlier))
hooks.RUN.collected = True
hooks.on_worker_connect(client_id="after the stop")
print(json.dumps([sorted(hooks.RUN.workers), sorted(hooks.RUN.texts), hooks.RUN.worker_errors, hooks.RUN.texts]))
"""


def test_the_master_files_each_history_by_the_worker_that_sent_it_and_counts_those_that_join() -> None:
    """By the sender's Locust client id, not by what the message says; a worker that connects while
    the run plays takes part (Locust gives it users), one that connects after the stop does not. A
    history sent in an earlier run (the web UI's Stop, then Start) is not this run's: not filed, its
    sender not counted, and no worker's history of this run replaced by it.
    Locust's hooks patch the whole process (gevent), so they run in one of their own."""
    done = subprocess.run([sys.executable, "-c", BOOKKEEPING], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    workers, sent, failed, texts = json.loads(done.stdout.splitlines()[-1])
    assert workers == ["joined-mid-run", "w1", "w2"] and sent == ["w1"] and failed == {"w2": "refused"}
    assert texts == {"w1": "{}"}


def test_the_master_stamps_each_run_and_its_workers_take_the_stamp_with_its_options() -> None:
    """Locust sends the master's options with each spawn, after the master's test start: a worker's
    test start finds the stamp there. Each run's is new."""
    master = Namespace()
    try:
        stamped(master, master=True)
        first = RUN.run_id
        worker = Namespace(**vars(master))  # as Locust's spawn message carries them
        stamped(worker, master=False)
        assert RUN.run_id == first and this_run({"run": first})
        stamped(master, master=True)
        assert RUN.run_id != first and not this_run({"run": first})
    finally:
        RUN.reset()
