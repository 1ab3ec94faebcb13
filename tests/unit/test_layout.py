"""The layout's promises: every public module imports, and the checker stays pure."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

import harness
from harness.errors import StocksyncError
from harness.run.flows import FLOWS
from harness.spec.scenario import FlowKind

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


HEAVY_LIBRARIES = ("polars", "faker", "aiohttp", "jinja2", "locust")


@pytest.mark.parametrize(
    "args",
    [
        ("findings",),
        ("serve", "--list-faults"),
        ("run", "--bogus"),
        ("run", "no-such-scenario"),
        ("run", "--fault", "no-such-fault"),
        ("run", "--token", "t"),
        ("check", "--help"),
    ],
    ids=" ".join,
)
def test_a_command_that_plays_and_checks_nothing_loads_no_heavy_library(args: tuple[str, ...]) -> None:
    """The stack, the checker and the reports are imported once a command has parsed and needs them:
    a usage error, --help, the findings and the fault list answer without them."""
    code = (
        "import sys\nfrom harness.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit:\n    pass\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_LIBRARIES!r})\n"
        "print('loaded:', *loaded, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stderr.splitlines()[-1:] == ["loaded:"], done.stderr[-2000:]


def test_every_user_facing_error_shares_one_base() -> None:
    import harness.errors as errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert len(classes) > 5 and all(issubclass(c, StocksyncError) for c in classes)


def test_each_flow_kind_a_scenario_may_name_has_a_flow() -> None:
    assert set(FLOWS) == set(get_args(FlowKind))


IO_LIBRARIES = ("aiohttp", "pysher", "websocket", "requests", "locust")
LATER_STAGES = tuple(f"harness.{stage}" for stage in ("checks", "bots", "sim", "run", "cli", "load", "report"))
"""What reads the record and the specifications: neither may know any of them."""

# package -> what none of its modules may import (docs/architecture.md, "Which way imports go")
NEVER_IMPORTS = {
    "harness.checks": (
        "harness.bots",
        "harness.sim",
        "harness.run",
        "harness.cli",
        "harness.load",
        "harness.report",
        "aiohttp",
        "pysher",
        "websocket",
        "requests",
        "locust",
    ),
    "harness.sim": ("harness.checks", "harness.bots", "harness.run", "harness.report", "harness.load"),
    "harness.bots": ("harness.sim", "harness.checks", "harness.run", "harness.report"),
    "harness.report": ("harness.bots", "harness.sim", "harness.run", "harness.load"),
    "harness.run": ("harness.cli", "harness.load"),
    "harness.spec": ("harness.record", *LATER_STAGES, *IO_LIBRARIES),
    "harness.record": (*LATER_STAGES, *IO_LIBRARIES),
}


def _imports(path: Path, package: str) -> set[str]:
    """Absolute names of everything a module imports, relative imports resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("package", sorted(NEVER_IMPORTS))
def test_imports_go_one_way(package: str) -> None:
    root = Path(harness.__file__).parent.joinpath(*package.split(".")[1:])
    offences = []
    for path in sorted(root.rglob("*.py")):
        module_package = ".".join(["harness", *path.relative_to(Path(harness.__file__).parent).parts[:-1]])
        for name in _imports(path, module_package):
            if any(name == banned or name.startswith(banned + ".") for banned in NEVER_IMPORTS[package]):
                offences.append(f"{path.name} imports {name}")
    assert offences == []


MAX_LINES = 300


def test_no_module_is_over_300_lines() -> None:
    """Small modules that each do one thing (docs/architecture.md): a module past the limit holds
    more than one thing."""
    root = Path(harness.__file__).parent.parent
    long = {
        path.relative_to(root).as_posix(): lines
        for path in sorted((root / "harness").rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"over {MAX_LINES} lines: {long}"
