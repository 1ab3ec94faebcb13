"""`stocksync run` and `stocksync check` as a user runs them: a subprocess, exit codes, files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.record.history_file import HISTORY_NAME, read_text

TINY = """
name = "tiny"
[stocktake]
lines = 4
[counters]
count = 1
think_ms = [10, 30]
debounce_ms = 40
[listeners]
count = 1
[run]
operations = 6
duration_s = 15
"""
FILES = {HISTORY_NAME, "report.json", "junit.xml", "report.html"}


def stocksync(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *map(str, args)], capture_output=True, text=True, timeout=110, cwd=cwd
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """One healthy and one faulty run, shared by the tests that read their reports."""
    root = tmp_path_factory.mktemp("runs")
    scenario = root / "tiny.toml"
    scenario.write_text(TINY)
    out = {}
    for label, extra in (("healthy", []), ("faulty", ["--fault", "double-broadcast"])):
        done = stocksync("run", scenario, "--report-dir", root / label, *extra)
        folders = list((root / label).iterdir()) if (root / label).exists() else []
        out[label] = (done, folders[0] if folders else root / label)
    return out


def test_healthy_run_exits_0_and_writes_the_four_files(runs) -> None:
    done, folder = runs["healthy"]
    assert done.returncode == 0, done.stderr
    assert {p.name for p in folder.iterdir()} >= FILES
    assert re.search(r"\d{8}-\d{6}-\d{3}-tiny$", folder.name)
    report = json.loads((folder / "report.json").read_text())
    assert report["verdict"] == "PASS" and report["counts"]["operations"] >= 6
    assert "PASS" in done.stderr + done.stdout


def test_faulty_run_exits_1_and_junit_carries_the_evidence(runs) -> None:
    done, folder = runs["faulty"]
    assert done.returncode == 1, done.stderr
    junit = (folder / "junit.xml").read_text()
    assert re.search(r'<testcase[^>]*name="duplicate-event"[^>]*>\s*<failure', junit)
    assert "duplicate-event" in done.stderr + done.stdout


def test_check_rechecks_a_recorded_history(runs, tmp_path: Path) -> None:
    for label, code in (("healthy", 0), ("faulty", 1)):
        history = runs[label][1] / HISTORY_NAME
        done = stocksync("check", history, "--report-dir", tmp_path / label)
        assert done.returncode == code, done.stderr
        (folder,) = (tmp_path / label).iterdir()
        assert re.search(r"\d{8}-\d{6}-\d{3}-check$", folder.name)
        assert {p.name for p in folder.iterdir()} == {"report.json", "junit.xml", "report.html", "deliveries"}


def test_check_beside_a_fail_report_leaves_it_byte_identical(runs) -> None:
    """--report-dir makes a new folder; --out and --junit over the run's own reports are refused (exit 2
    naming the file): a re-check can never put its verdict over the run's."""
    done, folder = runs["faulty"]
    assert done.returncode == 1, done.stderr
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    for flags in (["--out", folder], ["--junit", folder / "junit.xml"]):
        refused = stocksync("check", folder, *flags)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
        assert "is never written over" in refused.stderr and str(flags[1]) in " ".join(refused.stderr.split())
    again = stocksync("check", folder, "--report-dir", folder)
    assert again.returncode == 1, again.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    (new,) = [p for p in folder.iterdir() if p.is_dir() and p.name not in ("receipts", "deliveries")]
    assert json.loads((new / "report.json").read_text())["verdict"] == "FAIL"


def test_a_report_that_cannot_be_written_after_a_run_is_exit_3_and_the_rest_is_kept(tmp_path: Path) -> None:
    """The harness's own failure after play is INCONCLUSIVE, never FAIL: --junit inside a folder named
    report.html (made up front) leaves report.html unwritable once the run is over."""
    scenario, out = tmp_path / "tiny.toml", tmp_path / "out"
    scenario.write_text(TINY)
    done = stocksync("run", scenario, "--out", out, "--junit", out / "report.html" / "junit.xml")
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    last = " ".join(done.stderr.split()).rsplit("Error: ", 1)[-1]
    assert "report.html" in last and "history is kept" in last and "stocksync check" in last
    assert {"report.json", "junit.xml", HISTORY_NAME} <= {p.name for p in out.iterdir()}
    assert (out / "report.html" / "junit.xml").exists()


def test_check_of_a_torn_history_still_checks_what_was_recorded(runs, tmp_path: Path) -> None:
    """Checked and reported, but not whole: INCONCLUSIVE (exit 3) saying the line is cut."""
    text = read_text(runs["healthy"][1] / HISTORY_NAME)
    torn = tmp_path / "torn.jsonl"
    torn.write_text(text + '{"rec": "obs", "kind": "rece')
    shutil.copytree(runs["healthy"][1] / "receipts", tmp_path / "receipts")  # the chunks it names, beside it
    done = stocksync("check", torn, "--report-dir", tmp_path / "out")
    assert done.returncode == 3 and "the last line of the history is cut" in " ".join(done.stderr.split())
    report = json.loads(next((tmp_path / "out").rglob("report.json")).read_text())
    assert report["counts"]["operations"] > 0 and report["findings"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "{bad_history}"], "line 2"),
        (["check", "{missing}"], "does not exist"),
        (["run", "{bad_scenario}"], "counters.count"),
        (["run", "no-such-scenario"], "no scenario named"),
        (["run", "--fault", "no-such-fault"], "unknown fault"),
        (["run", "--fault", "pusher-drop=2"], "pusher-drop"),
        (["run", "--seed", "many"], "many"),
        (
            [
                "run",
                "--target",
                "ftp://x",
                "--token",
                "t",
                "--hotel",
                "h",
                "--pusher-key",
                "k",
                "--pusher-host",
                "127.0.0.1",
            ],
            "http(s) URL",
        ),
        (["run", "--token", "t"], "without --target"),
        (["run", "--contract", "{bad_contract}"], "contract"),
    ],
)
def test_user_mistakes_exit_2_with_a_message_and_no_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    paths = {
        "bad_history": tmp_path / "h.jsonl",
        "missing": tmp_path / "missing.jsonl",
        "bad_scenario": tmp_path / "s.toml",
        "bad_contract": tmp_path / "c.toml",
    }
    paths["bad_history"].write_text('{"rec": "meta"}\nnot json at all\n{"rec": "meta"}\n')
    paths["bad_scenario"].write_text('name = "s"\n\n[counters]\ncount = -3\n')
    paths["bad_contract"].write_text("[events]\nline_counted = 5\n")
    done = stocksync(*[a.format(**paths) for a in args], cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    if "{bad_scenario}" in args:
        assert "(line 4)" in done.stderr


@pytest.mark.browser
def test_report_opens_in_headless_chromium(runs, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    for label, verdict in (("healthy", "PASS"), ("faulty", "FAIL")):
        page = (runs[label][1] / "report.html").resolve().as_uri()
        flags = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
        ]
        dom = subprocess.run([*flags, "--dump-dom", page], capture_output=True, text=True, timeout=60).stdout
        assert re.search(rf'id="verdict">{verdict}<', dom)
        plots = dict(p.split(":") for p in re.search(r'data-plots-rendered="([^"]+)"', dom)[1].split())
        assert int(plots["latency-histogram"]) > 0 and int(plots["timeline"]) > 0, plots
        shot = tmp_path / f"{label}.png"
        subprocess.run(
            [*flags, "--window-size=1000,1400", f"--screenshot={shot}", page], capture_output=True, timeout=60
        )
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_the_harness_failing_in_play_is_exit_3_in_one_line(tmp_path: Path) -> None:
    """The history cannot be opened (a folder holds its name): the harness's own failure, so exit 3 and
    one line saying so, never exit 1 (findings) nor a traceback, and no claim that a history was kept."""
    scenario, out = tmp_path / "tiny.toml", tmp_path / "out"
    scenario.write_text(TINY)
    (out / HISTORY_NAME).mkdir(parents=True)
    done = stocksync("run", scenario, "--out", out)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    flat = " ".join(done.stderr.split())
    assert "the run failed inside the harness (IsADirectoryError" in flat and "no history could be written" in flat
