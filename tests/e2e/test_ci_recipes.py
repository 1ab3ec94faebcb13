"""docs/ci's recipes run as a CI runs them: every step in order, install included (the harness from
a wheel built here, into a fresh venv), against the backend the job starts (the recipe's stand-in,
`stocksync serve`). The CI variables a team sets are the stand-in's hotels and tokens. What a
hosted runner provides is played by the test: checkout and setup-python (an empty folder and the
venv), the artifact actions and GitLab's artifacts API (the first run's reports handed back as
main's last), the JUnit publisher (its files must exist and parse). Each recipe runs twice, as a
push and then as a pull request compared with the push's reports."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import signal
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from glob import glob
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

from tests.support import ROOT, Served, build_dist, fresh_venv

STEP_TIMEOUT = 600


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (built,) = [p for p in build_dist(tmp_path_factory.mktemp("dist")) if p.suffix == ".whl"]
    return built


@pytest.fixture(scope="module")
def ci_variables() -> dict[str, str]:
    """What a team puts in its CI settings: its hotels and staff tokens (the stand-in's, by its seed)."""
    served = Served()
    try:
        api = served.api
    finally:
        served.stop()
    return {
        "SYNC_HOTEL": api["hotel"],
        "SYNC_TOKEN": api["token"],
        "SYNC_OTHER_HOTEL": api["other_hotel"],
        "SYNC_OTHER_TOKEN": api["other_token"],
    }


class Job:
    """One CI job's machine: a fresh venv on PATH, the job's folder, the processes its steps left."""

    def __init__(self, root: Path, variables: dict[str, str]) -> None:
        self.dir = root / "job"
        self.dir.mkdir(parents=True)
        bin_dir = fresh_venv(root / "venv")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        self.env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}", "CI": "true"}
        self.variables = variables
        self.groups: list[int] = []

    def sh(self, script: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run a step as the runner does (bash -eo pipefail); a process it leaves is stopped at the end."""
        process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.dir,
            env={**self.env, **(extra or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.groups.append(process.pid)
        out, err = process.communicate(timeout=STEP_TIMEOUT)
        done = subprocess.CompletedProcess(script, process.returncode, out, err)
        assert done.returncode == 0, (script, out[-2000:], err[-3000:])
        return done

    def stop(self) -> None:
        for group in self.groups:
            try:
                os.killpg(group, signal.SIGTERM)
            except ProcessLookupError:
                pass


@pytest.fixture
def job_factory(tmp_path: Path, ci_variables: dict[str, str]) -> Iterator[Any]:
    jobs: list[Job] = []

    def make(name: str) -> Job:
        jobs.append(Job(tmp_path / name, ci_variables))
        return jobs[-1]

    yield make
    for job in jobs:
        job.stop()


def _github_expression(text: str, variables: dict[str, str]) -> str:
    """`${{ vars.X }}`, `${{ secrets.X }}` and `${{ vars.X || 'default' }}`, as GitHub evaluates them."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        name, _, default = expression.partition("||")
        found = variables.get(name.strip().split(".", 1)[1], "")
        return found or default.strip().strip("'")

    return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))


def _check_reports(folder: Path) -> None:
    """What the artifact keeps and the JUnit publisher reads: report.html beside each junit.xml."""
    assert sorted(p.name for p in folder.iterdir()) == ["smoke", "staging"]
    for run in folder.iterdir():
        assert (run / "report.html").is_file() and (run / "report.json").is_file()
        ElementTree.parse(run / "junit.xml")


def _github_run(job: Job, wheel: Path, event: str, last_main: Path | None) -> list[subprocess.CompletedProcess[str]]:
    workflow = yaml.safe_load((ROOT / "docs/ci/github-actions.yml").read_text())
    variables = {**job.variables, "STOCKSYNC_HARNESS": str(wheel)}
    env = {k: _github_expression(v, variables) for k, v in workflow["env"].items()}
    github_env = job.dir / ".github_env"
    ran = []
    for step in workflow["jobs"]["sync"]["steps"]:
        condition = step.get("if", "")
        if "event_name == 'pull_request'" in condition and event != "pull_request":
            continue
        env.update(dict(line.split("=", 1) for line in github_env.read_text().splitlines() if "=" in line)
                   if github_env.exists() else {})  # fmt: skip
        uses = step.get("uses", "")
        if uses.startswith("dawidd6/action-download-artifact") and last_main is not None:
            shutil.copytree(last_main, job.dir / step["with"]["path"])
        elif uses.startswith("actions/upload-artifact"):
            _check_reports(job.dir / step["with"]["path"])
        elif uses.startswith("mikepenz/action-junit-report"):
            assert len(glob(str(job.dir / step["with"]["report_paths"]))) == 2
        if "run" in step:
            step_env = {k: _github_expression(v, variables) for k, v in step.get("env", {}).items()}
            ran.append(job.sh(step["run"], {**env, **step_env, "GITHUB_ENV": str(github_env)}))
    return ran


@pytest.mark.heavy
@pytest.mark.timeout(2400)
def test_the_github_actions_recipe_runs_every_step_against_the_backend_it_starts(
    wheel: Path, job_factory: Any, tmp_path: Path
) -> None:
    push = job_factory("push")
    ran = _github_run(push, wheel, "push", None)
    assert [r.args.split()[:3] for r in ran if "stocksync run" in r.args] == [
        ["stocksync", "run", "smoke"],
        ["stocksync", "run", "staging"],
    ]
    assert "no report from main" in ran[-1].stdout
    last_main = tmp_path / "artifact"
    shutil.copytree(push.dir / "reports", last_main)
    pull_request = job_factory("pull-request")
    compared = _github_run(pull_request, wheel, "pull_request", last_main)[-1]
    assert "stocksync compare" in compared.args and "no regression" in compared.stdout + compared.stderr


class Artifacts(http.server.BaseHTTPRequestHandler):
    """GitLab's "latest artifacts of a branch" endpoint, answering with main's last reports (or 404)."""

    archive: bytes | None = None

    def do_GET(self) -> None:
        if self.archive is None or "/jobs/artifacts/main/download" not in self.path:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.archive)))
        self.end_headers()
        self.wfile.write(self.archive)

    def log_message(self, *args: Any) -> None:
        return


def _gitlab_run(job: Job, wheel: Path, api: str) -> None:
    spec = yaml.safe_load((ROOT / "docs/ci/gitlab-ci.yml").read_text())["stocksync"]
    assert spec["artifacts"]["when"] == "always" and spec["artifacts"]["paths"] == ["reports/"]
    variables = {**spec["variables"], "STOCKSYNC_HARNESS": str(wheel)}
    gitlab = {"CI_JOB_TOKEN": "job-token", "CI_API_V4_URL": api, "CI_PROJECT_ID": "1"}
    job.sh("\n".join([*spec["before_script"], *spec["script"]]), {**variables, **job.variables, **gitlab})
    _check_reports(job.dir / "reports")
    assert len(glob(str(job.dir / spec["artifacts"]["reports"]["junit"]))) == 2


@pytest.mark.heavy
@pytest.mark.timeout(2400)
def test_the_gitlab_ci_recipe_runs_every_step_against_the_backend_it_starts(
    wheel: Path, job_factory: Any, tmp_path: Path
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Artifacts)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    try:
        push = job_factory("push")
        _gitlab_run(push, wheel, api)
        archive = tmp_path / "artifacts.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            for path in (push.dir / "reports").rglob("*"):
                zipped.write(path, path.relative_to(push.dir))
        Artifacts.archive = archive.read_bytes()
        merge_request = job_factory("merge-request")
        _gitlab_run(merge_request, wheel, api)
        assert (merge_request.dir / "last-main/reports/staging/report.json").is_file(), "main's reports were fetched"
    finally:
        Artifacts.archive = None
        server.shutdown()
        server.server_close()


def test_the_recipes_install_a_pinned_harness_check_the_teams_backend_and_keep_what_ci_shows() -> None:
    """What each recipe promises, read from the files (the heavy tests above run them)."""
    github = (ROOT / "docs/ci/github-actions.yml").read_text()
    gitlab = (ROOT / "docs/ci/gitlab-ci.yml").read_text()
    for recipe in (github, gitlab):
        assert 'pip install "$STOCKSYNC_HARNESS"' in recipe and "git+https://" in recipe
        assert re.search(r"stocktake-sync-harness@v\d", recipe), "pinned to a tag"
        assert "REPLACE" in recipe and "stocksync serve" in recipe
        assert "stocksync run staging --target" in recipe and '--token "$SYNC_TOKEN"' in recipe
        assert "stocksync run smoke" in recipe and "stocksync compare" in recipe
    assert "${{ secrets.SYNC_TOKEN }}" in github and "upload-artifact" in github and "junit" in github
    assert "junit: reports/*/junit.xml" in gitlab and "when: always" in gitlab
