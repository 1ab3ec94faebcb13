"""The project's own tests use the fixtures of its pytest plugin (harness.testing.pytest_plugin),
and pytest's own `pytester` to run a user's test file as written.

Tests that open browser pages (marker `browser`, or a shipped scenario with pages) or run
pusher-js under Node (marker `node`) skip, saying what is missing, on a machine without
Chromium, node or npm, so the test command passes on a fresh machine. CI (CI=true) installs
them (.ci/run): there a missing one fails the test, so a green CI never hides a skipped browser.
"""

from __future__ import annotations

import os
import shutil

import pytest

from harness.bots.browser_runtime import BrowserUnavailable, find_chromium, requirements
from harness.spec.scenario import available, load_scenario, needs_browser
from tests.support import ROOT, ensure_pusher_js

pytest_plugins = ["pytester"]

BROWSER_SCENARIOS = {name for name in available() if needs_browser(load_scenario(name))}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("scenario") in BROWSER_SCENARIOS:
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("node"):
        _need(_node_missing())
    if item.get_closest_marker("browser"):
        _need(_browser_missing())


def _need(missing: str | None) -> None:
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI installs what this test needs (.ci/run), yet {missing}")
    pytest.skip(missing)


def _pusher_js_missing() -> str | None:
    """The pinned pusher-js in the checkout's node_modules, installed with npm on first need."""
    if not (ROOT / "node_modules" / "pusher-js").is_dir() and shutil.which("npm") is None:
        return "npm is not installed, so the pinned pusher-js cannot be fetched (apt-get install npm)"
    ensure_pusher_js()
    return None


def _node_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed, so pusher-js cannot run under it (apt-get install nodejs npm)"
    return _pusher_js_missing()


def _browser_missing() -> str | None:
    if find_chromium() is None:
        return "Debian's chromium is not installed (apt-get install chromium)"
    missing = _pusher_js_missing()
    if missing is not None:
        return missing
    try:
        requirements()
    except BrowserUnavailable as exc:
        return str(exc)
    return None
