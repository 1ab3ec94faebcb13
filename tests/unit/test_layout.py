"""The layout's promises: every public module imports, and the checker stays pure."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from typing import get_args

import pytest

import harness
from harness.errors import StocksyncError
from harness.run.flows import FLOWS
from harness.scenario import FlowKind

# Locust's file and hooks need gevent's monkey-patching first; they are imported by the Locust tests.
NEEDS_LOCUST_PROCESS = {"harness.load.hooks"}
MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(harness.__path__, "harness.")
    if m.name not in NEEDS_LOCUST_PROCESS and not m.name.endswith("__main__")
)


@pytest.mark.parametrize("module", MODULES)
def test_every_public_module_imports(module: str) -> None:
    importlib.import_module(module)


@pytest.mark.parametrize("module", sorted(NEEDS_LOCUST_PROCESS))
def test_locust_modules_import_in_a_process_of_their_own(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import locust, {module}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_checker_loads_no_network_bot_or_load_library() -> None:
    """Checks are pure functions over plain data: importing them must not pull in I/O libraries."""
    forbidden = ("aiohttp", "pysher", "websocket", "locust", "requests")
    code = (
        "import sys, harness.checks, harness.checks.parts\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})\n"
        "print(','.join(loaded))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"harness.checks loaded {done.stdout.strip()}"


def test_every_user_facing_error_shares_one_base() -> None:
    import harness.errors as errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert len(classes) > 5 and all(issubclass(c, StocksyncError) for c in classes)


def test_each_flow_kind_a_scenario_may_name_has_a_flow() -> None:
    assert set(FLOWS) == set(get_args(FlowKind))
