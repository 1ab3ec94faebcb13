"""The entry points have polars' allocator keep the pages its frames free (`runtime.keep_freed_pages`):
set before polars loads, never over a setting of the user's own, and never by importing the checker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness import runtime
from harness.runtime import KEEP_FREED_PAGES, POLARS_ALLOCATOR, keep_freed_pages


def _unloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as if polars had not been loaded, with no setting of the user's."""
    monkeypatch.delitem(sys.modules, "polars", raising=False)
    monkeypatch.delenv(POLARS_ALLOCATOR, raising=False)


def test_set_before_polars_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    _unloaded(monkeypatch)
    keep_freed_pages()
    assert os.environ[POLARS_ALLOCATOR] == KEEP_FREED_PAGES


def test_a_setting_of_the_user_s_own_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    _unloaded(monkeypatch)
    monkeypatch.setenv(POLARS_ALLOCATOR, "narenas:1")
    keep_freed_pages()
    assert os.environ[POLARS_ALLOCATOR] == "narenas:1"


def test_nothing_is_set_once_polars_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """jemalloc has read its settings by then: one set later would be said and not done."""
    monkeypatch.delenv(POLARS_ALLOCATOR, raising=False)
    monkeypatch.setitem(sys.modules, "polars", runtime)
    keep_freed_pages()
    assert POLARS_ALLOCATOR not in os.environ


def _after(code: str) -> tuple[str, str]:
    """(the setting, whether polars is loaded) in a fresh process without a setting, after `code`."""
    env = {k: v for k, v in os.environ.items() if k != POLARS_ALLOCATOR}
    probe = f"{code}\nimport os, sys\nprint(os.environ.get({POLARS_ALLOCATOR!r}), 'polars' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    setting, loaded = done.stdout.splitlines()[-1].split()
    return setting, loaded


def test_stocksync_sets_it_before_a_command_loads_polars() -> None:
    code = "from harness.cli import main\nmain(['findings'], standalone_mode=False)"
    assert _after(code)[0] == KEEP_FREED_PAGES


def test_importing_the_checker_sets_nothing() -> None:
    """Only an entry point chooses for its process: a library user's process keeps polars' own."""
    setting, loaded = _after("import harness.check_file, harness.cli")
    assert loaded == "True"
    assert setting != KEEP_FREED_PAGES
