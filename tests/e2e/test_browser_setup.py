"""What browser listeners need, on any machine: a run without it is refused naming the command
that installs it, before anything is written; `stocksync browsers install` puts the pinned
pusher-js in the user cache, where a harness installed without a checkout finds it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.bots.browser_runtime import PUSHER_MIN, pinned_pusher_js
from tests.support import ROOT


def stocksync(*args: str | Path, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "harness.cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def test_a_browser_run_lacking_chromium_and_pusher_js_is_refused_naming_both_and_writes_nothing(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "STOCKSYNC_CHROMIUM": str(tmp_path / "no-chromium"), "STOCKSYNC_PUSHER_JS": "/no/pusher.js"}
    for where in (["--out", tmp_path / "out"], ["--report-dir", tmp_path / "reports"], []):
        done = stocksync("run", "browsers", *where, env=env, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        message = " ".join(done.stderr.split())
        assert "apt-get install chromium" in message and "`stocksync browsers install`" in message, message
        assert "Traceback" not in done.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing is written before the pre-checks pass"


def test_the_version_is_the_package_metadata(tmp_path: Path) -> None:
    done = stocksync("--version", env=dict(os.environ), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.split()[-1] == "0.1.0", done


@pytest.mark.node
def test_browsers_install_puts_the_pinned_pusher_js_where_an_installed_harness_finds_it(tmp_path: Path) -> None:
    """The harness copied out of the checkout (as a wheel installs it) finds no pusher-js until
    `stocksync browsers install` has put the pinned one in the user cache (XDG_CACHE_HOME)."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "harness", site / "harness", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "STOCKSYNC_PUSHER_JS"}
    env |= {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = "from harness.bots.browser_runtime import find_pusher_js; print(find_pusher_js())"

    def found() -> str:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
        )
        return done.stdout.strip()

    assert found() == "None"
    done = stocksync("browsers", "install", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    installed = tmp_path / "cache" / "stocksync" / f"pusher-js-{pinned_pusher_js()}" / PUSHER_MIN
    assert str(installed) in done.stdout
    manifest = installed.parents[2] / "package.json"
    assert json.loads(manifest.read_text())["version"] == pinned_pusher_js()
    assert found() == str(installed)


def test_the_pinned_version_is_the_checkouts_lock() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert pinned_pusher_js() == lock["packages"]["node_modules/pusher-js"]["version"]
    assert json.loads((ROOT / "package.json").read_text())["dependencies"]["pusher-js"] == pinned_pusher_js()
