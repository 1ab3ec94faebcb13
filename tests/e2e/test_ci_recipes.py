"""docs/ci's recipes run as written: parsed, and every shell step that needs no hosted runner
executed here, twice (the second time with a "last main" report to compare against)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Steps that only a hosted runner can do: installing from the package index (the package is
# installed here already) and fetching another pipeline's artifacts.
HOSTED = ("pip install", "$CI_JOB_TOKEN")


def _github_steps() -> list[str]:
    workflow = yaml.safe_load((ROOT / "docs/ci/github-actions.yml").read_text())
    steps = workflow["jobs"]["sync"]["steps"]
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps)
    assert any("junit" in str(s.get("with", {})) for s in steps)
    return [s["run"] for s in steps if "run" in s]


def _gitlab_steps() -> list[str]:
    job = yaml.safe_load((ROOT / "docs/ci/gitlab-ci.yml").read_text())["stocksync"]
    assert job["artifacts"]["reports"]["junit"] == "reports/ci/junit.xml"
    return [*job["before_script"], *job["script"]]


def _run(steps: list[str], cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = []
    for step in steps:
        if any(mark in step for mark in HOSTED):
            continue
        result = subprocess.run(
            ["bash", "-e", "-c", step], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, (step, result.stdout[-2000:], result.stderr[-3000:])
        done.append(result)
    return done


@pytest.mark.parametrize(
    "recipe",
    [_github_steps, pytest.param(_gitlab_steps, marks=pytest.mark.heavy)],
    ids=["github-actions", "gitlab-ci"],
)
def test_the_ci_recipe_runs_its_shell_steps_as_written(tmp_path: Path, recipe) -> None:
    assert shutil.which("stocksync") or (Path(sys.executable).parent / "stocksync").exists()
    steps = recipe()
    first = _run(steps, tmp_path)
    assert any("stocksync run smoke" in r.args[-1] for r in first)
    assert (tmp_path / "reports/ci/junit.xml").exists() and (tmp_path / "reports/ci/report.json").exists()
    (tmp_path / "last-main").mkdir(exist_ok=True)
    shutil.copy(tmp_path / "reports/ci/report.json", tmp_path / "last-main/report.json")
    second = _run(steps, tmp_path)
    assert any("regression" in r.stderr for r in second), "the second run was compared with the first"
