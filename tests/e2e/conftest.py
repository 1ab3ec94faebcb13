"""Fixtures of the target-mode tests: `stocksync serve` processes (stopped after), quick staging
scenarios, and one staging run against a served stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.targets import QUICK_STAGING, StagingRun, report_of
from tests.support import Served, in_process


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(*flags: str) -> Served:
        started.append(Served(*flags))
        return started[-1]

    yield start
    for served in started:
        served.stop()


@pytest.fixture(scope="module")
def untouched() -> Iterator[Served]:
    """One `stocksync serve` shared by a module's tests of runs that must write nothing to it (a failed
    preflight, a dry run): each still finds it as it started, with no stocktake."""
    served = Served()
    yield served
    served.stop()


@pytest.fixture
def staging(tmp_path: Path) -> Callable[..., Path]:
    def write(operations: int = 12, duration: int = 20) -> Path:
        path = tmp_path / "staging.toml"
        path.write_text(QUICK_STAGING.format(operations=operations, duration=duration))
        return path

    return write


@pytest.fixture
def staging_run(serve, staging, tmp_path: Path) -> Callable[..., StagingRun]:
    """`stocksync serve` with `serve_flags`, one staging run against it (with the app secret when
    asked: the backend's Pusher server is ours), its exit code checked."""

    def run(*serve_flags: str, code: int = 1, operations: int = 12, secret: bool = False) -> StagingRun:
        served = serve(*serve_flags)
        flags = [*served.flags(), *(["--pusher-secret", served.pusher["secret"]] if secret else [])]
        done = in_process("run", staging(operations=operations), *flags, "--report-dir", tmp_path / "r")
        assert done.returncode == code, done.stderr
        return StagingRun(served, done, *report_of(tmp_path / "r"))

    return run
