"""The package installs like one: `python -m build` makes a wheel and an sdist that carry what a
run needs (the scenarios behind harness/scenarios' symlink, the report template, the page's
script, the pinned pusher-js lock), and a fresh venv with the wheel, no checkout in sight,
runs every shipped scenario, through the CLI and through the pytest plugin a user imports."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from harness.bots.browser_runtime import find_chromium
from tests.support import ROOT, build_dist, fresh_venv

NEEDED = [
    *(f"harness/scenarios/{p.name}" for p in sorted((ROOT / "scenarios").glob("*.toml"))),
    "harness/report/templates/report.html.j2",
    "harness/bots/page/page.js",
    "harness/bots/npm/package.json",
    "harness/bots/npm/package-lock.json",
    "harness/py.typed",
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_dist(tmp_path_factory.mktemp("dist"))


@pytest.mark.heavy  # the build sets up its own isolated environment: about half a minute
def test_the_wheel_and_the_sdist_carry_everything_a_run_needs(dist: list[Path]) -> None:
    (sdist,) = [p for p in dist if p.name.endswith(".tar.gz")]
    (wheel,) = [p for p in dist if p.suffix == ".whl"]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert [n for n in NEEDED if n not in names] == []
        assert archive.read("harness/bots/npm/package-lock.json") == (ROOT / "package-lock.json").read_bytes()
        assert archive.read("harness/scenarios/smoke.toml") == (ROOT / "scenarios/smoke.toml").read_bytes()
    with tarfile.open(sdist) as archive:
        prefix = sdist.name.removesuffix(".tar.gz")
        members = {m.name.removeprefix(prefix + "/"): m for m in archive.getmembers()}
        assert [n for n in NEEDED if n not in members or not members[n].isfile()] == []


# what the user's test file asks of each shipped scenario: short, as tests/e2e/test_e2e_faults.py plays them
USER_TEST = """
import pytest
from harness.spec.scenario import available
from harness.testing import assert_no_findings

SHORT = {"run": {"operations": 16, "duration_s": 20}, "listeners": {"count": 8}, "counters": {"count": 2}}
SHAPES = {"soak": {**SHORT, "run": {"duration_s": 8}}, "reconnect": {"run": SHORT["run"]},
          "list-page": {"run": SHORT["run"]}, "browsers": {"run": SHORT["run"]}}


@pytest.mark.parametrize("scenario", available())
def test_shipped_scenario_passes(stocksync_run, scenario):
    outcome = stocksync_run(scenario, **SHAPES.get(scenario, SHORT))
    assert_no_findings(outcome)
    assert outcome.result.verdict == "PASS", outcome.result.reasons
"""


@pytest.mark.heavy
@pytest.mark.timeout(1800)  # an install from the index, then every shipped scenario
def test_a_fresh_venv_with_the_wheel_runs_every_shipped_scenario(dist: list[Path], tmp_path: Path) -> None:
    """The wheel (with Playwright, for the browsers scenario) and pytest in a new venv, run from a
    folder that is not a checkout: the CLI's version and main job, `stocksync browsers install`
    into a user cache, and every shipped scenario through the plugin's `stocksync_run`."""
    (wheel,) = [p for p in dist if p.suffix == ".whl"]
    bin_dir = fresh_venv(tmp_path / "venv", f"{wheel}[browser]", "pytest>=8,<10")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "STOCKSYNC_PUSHER_JS", "CI")}
    env |= {"PATH": f"{bin_dir}{os.pathsep}{env['PATH']}", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    work = tmp_path / "work"
    work.mkdir()

    def run(*command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)

    assert run("stocksync", "--version").stdout.split()[-1] == "0.1.0"
    done = run("stocksync", "run", "--out", "smoke")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((work / "smoke/report.json").read_text())["verdict"] == "PASS"
    installed = run("stocksync", "browsers", "install")
    assert installed.returncode == 0, installed.stderr
    (work / "test_user.py").write_text(USER_TEST)
    skip = [] if find_chromium() else ["-k", "not browsers"]
    done = run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *skip, "test_user.py", timeout=900)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "skipped" not in done.stdout and "passed" in done.stdout
