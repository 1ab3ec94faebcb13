"""docs/staging.md's rehearsal runs as written: `stocksync serve` as the backend's Pusher server, and a
staging run that reads its log with the app secret."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "staging.md").read_text()
REHEARSAL = re.search(r"## Rehearsal on one machine.*?```sh\n(.*?)```", DOC, re.S)


def _rehearse(tmp_path: Path, script: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    (folder,) = (tmp_path / "reports").iterdir()
    return done, json.loads((folder / "report.json").read_text())


@pytest.mark.heavy  # the whole staging scenario, as written: long for the default run
def test_the_rehearsal_runs_as_written_and_reads_the_served_log(tmp_path: Path) -> None:
    assert REHEARSAL is not None
    done, report = _rehearse(tmp_path, REHEARSAL[1])
    assert "PASS" in done.stderr, done.stderr[-3000:]
    assert report["verdict"] == "PASS" and report["meta"]["server_log"]["read"] is True
    assert "stopped" in (tmp_path / "serve.log").read_text(), "the rehearsal stops the server it started"


@pytest.mark.heavy
def test_the_rehearsal_with_the_fault_the_doc_names_reports_the_refused_trigger(tmp_path: Path) -> None:
    assert REHEARSAL is not None and "stocksync serve --fault whole-stocktake-event" in DOC
    script = REHEARSAL[1].replace("stocksync serve >", "stocksync serve --fault whole-stocktake-event >")
    _, report = _rehearse(tmp_path, script)
    sized = [f["message"] for f in report["findings"] if f["name"] == "oversize-payload"]
    assert sized and all("Pusher refuses events over 10 KB" in m for m in sized)
