"""A Locust process's session on the embedded stack, without Locust: its record is settled and
checked once, where the run is reported (a worker checks its own for its exit code as well)."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest

from harness.load.options import LOAD_OPTIONS, sources
from harness.load.session import LoadSession
from harness.run import runner
from harness.run.settings import SETTINGS


def _session(tmp_path: Path) -> LoadSession:
    blank = {s.locust_dest: (None if s.boolean else "") for s in SETTINGS}
    defaults = {dest: default for dest, _, _, _, default in LOAD_OPTIONS}
    given = {"sync_config": "", "sync_scenario": "smoke", "sync_listeners": 1, "sync_report_dir": str(tmp_path)}
    options = Namespace(**{**blank, **defaults, **given})
    options.sync_sources = sources(options, [], {})
    session = LoadSession(options, "local")
    session.begin(tmp_path / "histories")
    return session


def test_a_session_that_reports_its_run_leaves_the_check_to_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def checked(*_: object, **__: object) -> None:
        raise AssertionError("the record was checked before the report's own check")

    session = _session(tmp_path)
    monkeypatch.setattr(runner, "check_file", checked)
    path, verdict = session.finish(own_verdict=False)
    assert verdict is None and path is not None and path.stat().st_size > 0
    assert session.served is None, "the embedded stack is stopped"


def test_a_worker_s_session_gives_its_own_verdict(tmp_path: Path) -> None:
    path, verdict = _session(tmp_path).finish(own_verdict=True)
    # no Locust user wrote anything: nothing was judged, which is no pass
    assert path is not None and verdict == "INCONCLUSIVE"
