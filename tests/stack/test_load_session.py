"""A Locust process's session on the embedded stack, without Locust: its record is settled and
checked once, where the run is reported (a worker checks its own for its exit code as well, once it
has sent it)."""

from __future__ import annotations

import json
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from harness.api import ApiRequest, ApiResponse
from harness.checks import check
from harness.errors import UsageError
from harness.exit_codes import EXIT_INCONCLUSIVE
from harness.load import session as sessions
from harness.load.options import LOAD_OPTIONS, sources
from harness.load.session import LoadSession
from harness.record.history import load
from harness.run import runner
from harness.run.settings import SETTINGS


def _options(tmp_path: Path, **over: object) -> Namespace:
    blank = {s.locust_dest: (None if s.boolean else "") for s in SETTINGS}
    defaults = {dest: default for dest, _, _, _, default in LOAD_OPTIONS}
    given = {"sync_config": "", "sync_scenario": "smoke", "sync_listeners": 1, "sync_report_dir": str(tmp_path)}
    options = Namespace(**{**blank, **defaults, **given, **over})
    options.sync_sources = sources(options, [], {})
    return options


def _session(tmp_path: Path, **over: object) -> LoadSession:
    session = LoadSession(_options(tmp_path, **over), "local")
    session.begin(tmp_path / "histories")
    return session


def _faulty(tmp_path: Path) -> str:
    """The smoke scenario with a fault of its own."""
    scenario = tmp_path / "faulty.toml"
    smoke = Path(__file__).parents[2] / "scenarios" / "smoke.toml"
    scenario.write_text(
        smoke.read_text().replace('name = "smoke"', 'name = "faulty"\nfaults = ["swallowed-broadcast"]')
    )
    return str(scenario)


def test_a_scenarios_own_faults_are_injected_into_the_embedded_stack_as_stocksync_run_injects_them(
    tmp_path: Path,
) -> None:
    """Before, only --sync-fault's were: the record named the scenario's faults, which never fired."""
    session = _session(tmp_path, sync_scenario=_faulty(tmp_path), sync_fault="pusher-drop=0.5")
    try:
        assert session.target is not None
        assert sorted(session.target.faults) == ["pusher-drop", "swallowed-broadcast"]
    finally:
        session.finish()


def test_a_scenarios_own_faults_are_refused_against_a_remote_target(tmp_path: Path) -> None:
    hosted = {"sync_target": "http://127.0.0.1:9/api", "sync_token": "t", "sync_hotel": "h", "pusher_key": "k",
              "pusher_host": "127.0.0.1", "pusher_port": "9"}  # fmt: skip
    session = LoadSession(_options(tmp_path, sync_scenario=_faulty(tmp_path), **hosted), "local")

    with pytest.raises(UsageError, match=r"drop --target, or --sync-fault and the scenario's faults \(swallowed"):
        session.resolve()


def test_a_session_that_reports_its_run_leaves_the_check_to_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def checked(*_: object, **__: object) -> None:
        raise AssertionError("the record was checked before the report's own check")

    session = _session(tmp_path)
    monkeypatch.setattr(runner, "check_file", checked)
    monkeypatch.setattr(sessions, "check_file", checked)
    path = session.finish()
    assert path is not None and path.stat().st_size > 0
    assert session.served is None, "the embedded stack is stopped"


def test_a_worker_s_session_gives_its_own_verdict(tmp_path: Path) -> None:
    session = _session(tmp_path)
    path = session.finish()
    # no Locust user wrote anything: nothing was judged, which is no pass
    assert path is not None and session.verdict_of(path) == "INCONCLUSIVE"


def test_a_locust_session_s_record_plans_no_steps(tmp_path: Path) -> None:
    """Locust's users are the counters, for as long as Locust runs them: the scenario's steps are no
    plan of the run's, so none is recorded, and a verdict counts the run's requests instead."""
    session = _session(tmp_path)
    assert session.ctx is not None and session.ctx.budget is None
    path = session.finish()
    assert path is not None
    meta = load(path).meta
    assert meta["expect"]["operations"] is None and meta["expect"]["until"] is None
    assert meta["steps"] is None and meta["ended_by"] is None


def test_lines_the_backend_will_not_give_after_the_run_are_recorded_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backend that refuses the fresh GET of the lines after a load run (a rate limit, say): the run
    records the lines unread, and its verdict says the pages were compared with nothing."""
    session = _session(tmp_path)
    assert session.ctx is not None
    api = session.ctx.api
    sent = api.send

    def refused(request: ApiRequest) -> ApiResponse:
        if request.method == "GET" and request.path == "/stocktake-lines/":
            return ApiResponse(429, None, "slow down")
        return sent(request)

    monkeypatch.setattr(api, "send", refused)
    path = session.finish()
    assert path is not None
    (truth,) = load(path).of_kind("truth")
    assert truth.data["unread"] == "answered 429" and truth.data["lines"] == []
    reasons = check(load(path), session.contract).reasons
    assert any(o.kind == "snapshot" for o in load(path).observations), "its viewers' pages were to be compared"
    assert any(r.startswith("the fresh GET of the lines after the run answered 429 for stocktake ") for r in reasons)


WORKER = """
import json, sys
from pathlib import Path
from locust.env import Environment
from locust.runners import WorkerRunner
from harness.load import hooks
from tests.stack.test_load_session import _session


class Worker(WorkerRunner):
    def __init__(self) -> None:  # no master to connect to: what it sends is kept
        self.sent = []

    def send_message(self, msg_type, data=None, client_id=None):
        self.sent.append(msg_type)
        self.run = data.get("run")


worker, sent_when_judged = Worker(), []
session = _session(Path(sys.argv[1]))
own = session.verdict_of


def verdict_of(path):
    sent_when_judged.append(list(worker.sent))
    return own(path)


session.verdict_of = verdict_of
hooks.RUN.session = session
hooks.RUN.run_id = "run-2"
environment = Environment()
environment.runner = worker
hooks._stop(environment)
print(json.dumps([hooks.MESSAGE, sent_when_judged, worker.sent, hooks.RUN.exit_code, worker.run]))
"""


def test_a_worker_sends_its_history_before_it_checks_its_own(tmp_path: Path) -> None:
    """The master waits COLLECT_TIMEOUT_S for the workers' histories: a worker's check of its own, a
    long one after a long run, must not stand between its history and the master. Locust's hooks
    patch the whole process (gevent), so they run in one of their own, as in a Locust worker."""
    done = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    message, sent_when_judged, sent, exit_code, run = json.loads(done.stdout.splitlines()[-1])
    assert sent == [message] and sent_when_judged == [[message]], "sent once, before its own check"
    assert run == "run-2", "stamped with the run it was sent in"
    assert exit_code == EXIT_INCONCLUSIVE, "its exit code is still its own verdict (nothing was written)"
