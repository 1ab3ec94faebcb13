"""Every code block in README.md and docs/ runs as written: shell blocks in a fresh folder, with
`stocksync` on PATH (the install line is this test run's own), contracts parsed as contracts,
the pytest example run by tests/stack/test_plugin_fixtures.py. A new block that no test here
runs fails `test_every_code_block_is_run_by_a_test`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.spec.contract import parse_contract
from harness.spec.faults import CATALOGUE
from tests.support import ROOT

# docs/locust.md and docs/staging.md are written and tested with their own features
OTHERS = ("locust.md", "staging.md")
OWN_DOCS = [ROOT / "README.md", *(p for p in sorted((ROOT / "docs").glob("*.md")) if p.name not in OTHERS)]
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)


def blocks(language: str) -> list[str]:
    return [body for doc in OWN_DOCS for lang, body in FENCE.findall(doc.read_text()) if lang == language]


def the_block(*marks: str) -> str:
    (found,) = [b for b in blocks("sh") if all(mark in b for mark in marks)]
    return found


def run(block: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    full = {**os.environ, "PATH": path, **(env or {})}
    return subprocess.run(["bash", "-c", block], cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout)


def report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


# each shell block (by what marks it) and the test that runs it
COVERED = {
    ("pip install -e . && stocksync run",): "test_the_main_job_line_runs_as_written",
    ("pip install -e '.[test]' && python -m pytest",): "test_the_test_command_is_what_ci_runs",
    ("--fault pusher-drop",): "test_the_faulty_run_fails_naming_its_finding",
    ("--fault pusher-delay",): "test_the_late_deliveries_query_counts_a_real_run_s_late_event_findings",
    ("--junit reports/ci/junit.xml --quiet",): "test_the_ci_line_writes_junit_quietly",
    ("stocksync serve > backend.json", "stocksync run staging"): "test_the_staging_example_runs_against_the_stand_in",
    ("locust -f locustfile.py --headless",): "test_the_headless_locust_line_runs_as_written",
    ("stocksync browsers install",): "test_the_browsers_line_runs_as_written",
    ("stocksync serve --list-faults",): "test_the_fault_list_line_names_every_fault",
    ('--target "$STOCKSYNC_TARGET"',): "test_the_target_mode_line_runs_against_a_served_stack",
}


def test_every_code_block_is_run_by_a_test() -> None:
    for block in blocks("sh"):
        assert [m for m in COVERED if all(mark in block for mark in m)], f"no test runs this block:\n{block}"
    for name in COVERED.values():
        assert name in globals(), name
    languages = {lang for doc in OWN_DOCS for lang, _ in FENCE.findall(doc.read_text())}
    assert languages <= {"sh", "toml", "python", "text", ""}, languages
    # the only unlabelled block is architecture.md's diagram, which is a picture, not a command
    bare = [(doc.name, body) for doc in OWN_DOCS for lang, body in FENCE.findall(doc.read_text()) if lang == ""]
    assert [name for name, body in bare] == ["architecture.md"] and "──►" in bare[0][1]


def test_the_main_job_line_runs_as_written(tmp_path: Path) -> None:
    """`pip install -e . && stocksync run`: the install is this test run's own; the run is as written."""
    command = the_block("pip install -e . && stocksync run").split("&&", 1)[1].strip()
    assert command == "stocksync run"
    done = run(command, tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    (folder,) = (tmp_path / "reports").iterdir()
    assert (folder / "report.html").exists() and "PASS" in done.stderr


def test_the_test_command_is_what_ci_runs() -> None:
    """The README's test command, verbatim in .ci/run (running it here would run the suite in itself)."""
    command = the_block("python -m pytest").strip()
    assert command in (ROOT / ".ci/run").read_text().splitlines()


def test_the_faulty_run_fails_naming_its_finding(tmp_path: Path) -> None:
    done = run(the_block("--fault pusher-drop"), tmp_path, timeout=180)
    assert done.stdout.strip() == "exit 1", done.stderr[-3000:]
    found = report(tmp_path / "reports/dropped")
    assert found["verdict"] == "FAIL" and "missing-event" in {f["name"] for f in found["findings"]}


def test_the_ci_line_writes_junit_quietly(tmp_path: Path) -> None:
    done = run(the_block("--junit reports/ci/junit.xml --quiet"), tmp_path, timeout=180)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr[-3000:]
    assert "<testsuite" in (tmp_path / "reports/ci/junit.xml").read_text()


@pytest.mark.heavy  # the whole staging scenario, as written: long for the default run
def test_the_staging_example_runs_against_the_stand_in(tmp_path: Path) -> None:
    done = run(the_block("stocksync serve > backend.json", "stocksync run staging"), tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    found = report(tmp_path / "reports/staging")
    assert found["verdict"] == "PASS" and found["meta"]["scenario"] == "staging", found.get("reasons")
    assert found["meta"]["server_log"]["read"] is True, "the run read the served Pusher server's log"


@pytest.mark.heavy  # the whole staging scenario, as written: long for the default run
def test_the_target_mode_line_runs_against_a_served_stack(tmp_path: Path) -> None:
    """docs/target-mode.md's line with the variables the stand-in's ready line gives."""
    block = the_block('--target "$STOCKSYNC_TARGET"')
    serve = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert serve.stdout is not None
        ready = json.loads(serve.stdout.readline())
        api, pusher = ready["api"], ready["pusher"]
        env = {"STOCKSYNC_TARGET": api["base_url"], "STOCKSYNC_TOKEN": api["token"], "STOCKSYNC_HOTEL": api["hotel"]}
        env |= {"PUSHER_KEY": pusher["key"], "PUSHER_HOST": pusher["host"], "PUSHER_PORT": str(pusher["port"])}
        done = run(block, tmp_path, env)
    finally:
        serve.terminate()
        serve.wait(15)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report(tmp_path / "reports/staging")["verdict"] == "PASS"


def test_the_fault_list_line_names_every_fault(tmp_path: Path) -> None:
    done = run(the_block("stocksync serve --list-faults"), tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [spec.name for spec in CATALOGUE if spec.name not in done.stdout] == []


@pytest.mark.heavy  # a whole run as written; test_deliveries_table holds the query's rows to the findings
def test_the_late_deliveries_query_counts_a_real_run_s_late_event_findings(tmp_path: Path) -> None:
    """The README's run with delayed events, then its Python block as written in the same folder: one
    row per event with late-event findings, counting them, and no other row."""
    done = run(the_block("--fault pusher-delay"), tmp_path, timeout=180)
    assert done.stdout.strip() == "exit 1", done.stderr[-3000:]
    late = Counter(f["event"] for f in report(tmp_path / "reports/late")["findings"] if f["name"] == "late-event")
    assert late, "the delayed events were late"
    (snippet,) = [block for block in blocks("python") if "deliveries/*.parquet" in block]
    done = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = re.findall(r"│ ([a-z-]+)\s*│\s*(\d+) │", done.stdout)
    assert {event: int(n) for event, n in rows} == late, done.stdout


def test_the_contracts_in_the_docs_parse_as_contracts() -> None:
    contracts = blocks("toml")
    assert len(contracts) >= 2
    for text in contracts:
        parsed = parse_contract(text)
        assert parsed.wire("line-counted-updated") == "line_counted_updated"


@pytest.mark.heavy
def test_the_headless_locust_line_runs_as_written(tmp_path: Path) -> None:
    done = run(the_block("locust -f locustfile.py --headless"), ROOT, {"STOCKSYNC_REPORT_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.heavy
@pytest.mark.browser
def test_the_browsers_line_runs_as_written(tmp_path: Path) -> None:
    """Into a cache of the test's own, so the user's is untouched."""
    done = run(the_block("stocksync browsers install"), tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "browser listeners are ready" in done.stdout
    assert report(tmp_path / "reports/browsers")["verdict"] == "PASS"
