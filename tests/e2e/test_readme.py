"""The README's command lines run as written (the pytest example runs in test_plugin_fixtures)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def test_the_main_job_line_runs_as_written(tmp_path: Path) -> None:
    """`pip install -e . && stocksync run`: the install is this test run's own; the run is as written."""
    (first,) = [line for line in BLOCKS[0].splitlines() if "stocksync run" in line]
    command = first.split("&&", 1)[1].strip()
    assert command == "stocksync run"
    done = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (folder,) = (tmp_path / "reports").iterdir()
    assert (folder / "report.html").exists() and "PASS" in done.stderr


HEADLESS = [ln for block in BLOCKS for ln in block.splitlines() if "--headless" in ln and "--master" not in ln]


@pytest.mark.heavy
@pytest.mark.parametrize("line", HEADLESS, ids=lambda line: line.split("--sync-listener-kind")[1].split()[0])
def test_the_headless_locust_lines_run_as_written(tmp_path: Path, line: str) -> None:
    """Each single-machine headless line (the load-run one and the browser one); the multi-machine
    example needs machines and a staging target, which a test does not have."""
    command = line.split("#")[0].strip()
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
