"""A browser page the harness loses mid-run is the harness's own failure: INCONCLUSIVE naming the page,
and nothing it was owed after it crashed is blamed on the backend."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.e2e.test_killed_runs import descendants, interfere

pytestmark = pytest.mark.browser  # Chromium and pusher-js, or a skip naming them (a failure in CI)

PAGES = """name = "crash"
stocktake = {lines = 4}
counters = {count = 1, think_ms = [20, 40]}
listeners = {count = 1, kind = "asyncio", browsers = 2}
run = {operations = 300, duration_s = 60}
"""


def _crash_every_page(pid: int) -> None:
    renderers = descendants(pid, b"--type=renderer")
    assert renderers, "the pages run in Chromium's renderer processes"
    for renderer in renderers:
        os.kill(renderer, signal.SIGKILL)


@pytest.mark.heavy
def test_a_browser_page_that_crashes_mid_run_is_inconclusive_naming_it(tmp_path: Path) -> None:
    scenario, out = tmp_path / "pages.toml", tmp_path / "out"
    scenario.write_text(PAGES)
    code, stderr = interfere(scenario, out, 30, _crash_every_page)
    assert code == 3, stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "INCONCLUSIVE"
    crashed = [r for r in report["reasons"] if r.startswith("the harness's own browser page of browser-viewer-")]
    assert crashed and all("(the page crashed)" in r for r in crashed), report["reasons"]
    assert [f for f in report["findings"] if f["severity"] == "error"] == [], "nothing blamed on the backend"
    assert report["listeners"]["viewer-1"]["receipts"] > 30, "the asyncio viewer heard the whole run"
