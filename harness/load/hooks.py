"""Locust event wiring: set-up at test start, PUSHER rows while running, checks at test stop,
and on the master the merge of every worker's history into one report and the exit code.

Message flow (distributed): each worker, at its test stop, drains, sends its history
("stocksync-history") to the master, and then checks it (its exit code: its own verdict); the master
merges the histories (`merge.py`), checks once, writes reports/ and sets the run's exit code, and
names Locust's failures after the report's groups (`failures.py`).
A worker whose set-up fails sends its error in the same message instead, so the master
neither waits for a history that will not come nor passes a run that was not checked whole.
Locally (no master) the one process does the same with its own history.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_INIT, STATE_STOPPED, MasterRunner, WorkerRunner
from locust.stats import CSV_STATS_INTERVAL_SEC, StatsError
from rich.console import Console

from ..errors import StocksyncError
from ..exit_codes import EXIT_INCONCLUSIVE, EXIT_USAGE, exit_code_of
from ..record.deliveries_table import DeliveriesTable
from ..report import safe_name
from ..report.model import build_report
from ..report.publish import publish
from ..spec.contract import load_contract
from ..spec.scenario import load_scenario
from .failures import name_by_groups
from .feed import Row
from .load_run import RUN, stamped, this_run
from .options import add_arguments, redacted, secrets_of, sources
from .run_folder import WORKERS_TABLE, Roll, check_workers, write_folder
from .session import LoadSession, discard_record, record_files
from .web import install as install_web_ui

log = logging.getLogger("stocksync.locust")
FEED_EVERY_S = 1.0  # the live check is fed, not re-run: cheap enough to follow closely
COLLECT_TIMEOUT_S = 120.0
MESSAGE = "stocksync-history"


def on_parser(parser: Any) -> None:
    add_arguments(parser)


def on_init(environment: Environment, **_: Any) -> None:
    """Bad options stop the run before anything starts, in `stocksync run`'s words (workers take
    the master's options when it starts them, and check them then)."""
    if environment.parsed_options is not None and not isinstance(environment.runner, WorkerRunner):
        try:
            LoadSession(environment.parsed_options, "options").resolve()
        except StocksyncError as exc:
            sys.stderr.write(f"Error: {redacted(str(exc), secrets_of(environment.parsed_options))}\n")
            raise SystemExit(EXIT_USAGE) from None
    install_web_ui(environment, RUN)
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(MESSAGE, _on_history)
    # libev reads its clock once per loop pass, and the hub's loop has not run since gevent was
    # imported: Locust arms --run-time's timer next, which would end the run early by the seconds
    # the imports took (under load, an 8 s run ended before its set-up had finished)
    gevent.get_hub().loop.update_now()


def worker_name(client_id: str) -> str:
    """A worker's name, in its history file's and the roll's: its Locust client id, made safe."""
    return safe_name(client_id, "worker")


def _on_history(environment: Environment, msg: Any, **_: Any) -> None:
    """Filed under the name of the worker that sent it, which took part whether or not it was counted."""
    data, worker = msg.data, worker_name(msg.node_id)
    if not this_run(data):
        log.warning("worker %s: a history sent in an earlier run came after it ended: not this run's", worker)
        return
    RUN.workers.add(worker)
    if "error" in data:
        RUN.worker_errors[worker] = data["error"]
    else:
        RUN.texts[worker] = data["history"]
        RUN.parts[worker] = data.get("parts") or {}


def on_worker_connect(client_id: str, **_: Any) -> None:
    """The master's (only it hears workers connect): one that connects while the run plays is given
    users (Locust starts it), so it takes part."""
    if RUN.started and not (RUN.checking or RUN.collected or RUN.ended):  # Stop gives a newcomer no users
        RUN.workers.add(worker_name(client_id))


def on_test_start(environment: Environment, **_: Any) -> None:
    RUN.reset()
    RUN.started, RUN.setting_up = time.monotonic(), True
    try:
        _start(environment)
    finally:
        RUN.setting_up = False


def _start(environment: Environment) -> None:
    options = environment.parsed_options
    if options is not None and not isinstance(environment.runner, WorkerRunner):
        # decided where the command line and the form are, and sent to the workers with the options
        options.sync_sources = sources(options, sys.argv[1:], os.environ)
    if options is not None:
        stamped(options, master=isinstance(environment.runner, MasterRunner))
    if isinstance(environment.runner, MasterRunner):
        clients = environment.runner.clients
        RUN.workers = {worker_name(node.id) for node in (*clients.ready, *clients.spawning, *clients.running)}
        return
    options, runner = environment.parsed_options, environment.runner
    assert options is not None and runner is not None
    name = worker_name(runner.client_id) if isinstance(runner, WorkerRunner) else "local"
    session: LoadSession | None = None
    try:
        session = LoadSession(options, name)
        session.begin(Path(options.sync_report_dir) / ".locust-histories")
    except Exception as exc:
        if session is not None:
            session.close()
        RUN.run_error = redacted(f"{type(exc).__name__}: {exc}", secrets_of(options))
        log.error("stocksync set-up failed: %s", RUN.run_error)
        if isinstance(runner, WorkerRunner):
            runner.send_message(MESSAGE, {"worker": name, "run": RUN.run_id, "error": RUN.run_error})
        gevent.spawn(runner.quit)  # not from inside the test-start handler, which it would wait on
        return
    RUN.session = session
    gevent.spawn(_feed, environment, session)


def _feed(environment: Environment, session: LoadSession) -> None:
    while RUN.session is session:
        gevent.sleep(FEED_EVERY_S)
        if RUN.session is not session:
            return
        _fire(environment, session.rows())


def _fire(environment: Environment, rows: list[Row]) -> None:
    for row in rows:
        environment.events.request.fire(
            request_type=row.kind,
            name=row.name,
            response_time=row.latency_ms,
            response_length=0,
            exception=AssertionError(row.failure) if row.failure else None,
            context={},
        )


def on_test_stopping(environment: Environment, **_: Any) -> None:
    RUN.checking = RUN.started > 0 and RUN.report is None


def on_test_stop(environment: Environment, **_: Any) -> None:
    try:
        _stop(environment)
    finally:
        RUN.checking, RUN.ended = False, True


def _stop(environment: Environment) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        _collect_and_report(environment)
        return
    session, RUN.session = RUN.session, None
    if session is None:
        return
    path = session.finish()
    if path is None:
        return
    _fire(environment, session.final_rows())
    text, parts = record_files(path)
    files = list(parts)
    if isinstance(runner, WorkerRunner):
        runner.send_message(MESSAGE, {"worker": session.name, "run": RUN.run_id, "history": text, "parts": parts})
        del text, parts  # zmq holds its own copy until it is sent
        try:
            _own_verdict(session, path)
        finally:  # the master has it: no second copy
            discard_record(path, files)
        return
    RUN.texts[session.name], RUN.parts[session.name] = text, parts
    _report(environment)  # raises if it cannot: then the working copy is all there is, and stays
    discard_record(path, files)  # written into the report folder: no second copy
    # Locust's CSV writer runs every CSV_STATS_INTERVAL_SEC and not again at exit: let it take the
    # rows fired after the drain (workers need not: their last stats go out on quit).
    gevent.sleep(CSV_STATS_INTERVAL_SEC + 0.2)


def _own_verdict(session: LoadSession, path: Path) -> None:
    """A worker's verdict on its own history, its exit code (the master's report is the run's), worked out
    once the history is sent. A check that does not finish (Locust quits a worker whose master has been
    silent for a minute, as one busy checking the merged run can be) leaves it INCONCLUSIVE, saying so."""
    try:
        verdict = session.verdict_of(path)
    except BaseException as exc:
        RUN.exit_code = EXIT_INCONCLUSIVE
        log.error("worker %s: its own check of its history did not finish (%s): exit 3", session.name, exc.__class__)
        raise
    RUN.exit_code = exit_code_of(verdict)
    log.info("worker %s: own verdict %s (the master's report is the run's)", session.name, verdict)


def _collect_and_report(environment: Environment) -> None:
    """Headless runs reach here through runner.quit(), which tells workers nothing until after
    test stop: ask those that have not reported to stop now (their test stop sends the history)."""
    runner = environment.runner
    assert isinstance(runner, MasterRunner)
    if RUN.collected:
        return
    RUN.collected = True
    for client in runner.clients.all:
        runner.send_message("stop", None, client_id=client.id)
    options = environment.parsed_options  # each worker drains its delivery windows' length before it sends
    drain_s = load_scenario(options.sync_scenario).limits.latency_ms / 1000 if options is not None else 0.0
    deadline = time.monotonic() + COLLECT_TIMEOUT_S + drain_s
    while RUN.workers - RUN.texts.keys() - RUN.worker_errors.keys() and time.monotonic() < deadline:
        gevent.sleep(0.2)
    for worker, error in RUN.worker_errors.items():
        log.error("worker %s: stocksync set-up failed: %s", worker, error)
    if len(RUN.texts) < len(RUN.workers):
        RUN.run_error = f"only {len(RUN.texts)} of {len(RUN.workers)} workers sent their history"
        log.error("%s%s", RUN.run_error, "; the report covers those that did" if RUN.texts else "")
    if RUN.texts:
        _report(environment)


def _report(environment: Environment) -> None:
    options = environment.parsed_options
    assert options is not None
    contract = load_contract(Path(options.sync_contract) if options.sync_contract else None)
    roll = None
    if isinstance(environment.runner, MasterRunner):
        roll = Roll(sorted(RUN.workers | RUN.texts.keys()), sorted(RUN.texts), dict(RUN.worker_errors))
    folder, histories = write_folder(Path(options.sync_report_dir), RUN.texts, RUN.parts, roll)
    table = DeliveriesTable(folder, WORKERS_TABLE)
    merged, result = check_workers(histories, contract, deliveries=table, roll=roll)
    secrets = secrets_of(options)
    report = build_report(merged, result, secrets, time.monotonic() - RUN.started)
    RUN.exit_code = publish(report, folder, Console(stderr=True))
    RUN.report, RUN.folder = report, folder
    if environment.runner is not None:
        name_by_groups(environment.runner.stats.errors, report.groups, StatsError)


def on_quitting(environment: Environment, **_: Any) -> None:
    """Runs before Locust's own runner.quit(): stop first, so the checks run and decide the exit code."""
    runner = environment.runner
    if runner is not None and runner.state not in (STATE_INIT, STATE_STOPPED) and not isinstance(runner, WorkerRunner):
        runner.stop()
    if RUN.run_error is not None:
        environment.process_exit_code = EXIT_USAGE
    elif RUN.exit_code is not None:
        environment.process_exit_code = RUN.exit_code
    elif not isinstance(runner, WorkerRunner):
        # no report at all: the run ended before its set-up finished, or no user ever started
        log.error("stocksync: nothing was checked (the run ended before its set-up finished): INCONCLUSIVE")
        environment.process_exit_code = EXIT_INCONCLUSIVE
    else:
        log.warning("worker: no verdict of its own (it never started a run, or the master quit it first): exit 3")
        environment.process_exit_code = EXIT_INCONCLUSIVE


def install(events: Any) -> None:
    events.init_command_line_parser.add_listener(on_parser)
    events.init.add_listener(on_init)
    events.worker_connect.add_listener(on_worker_connect)
    events.test_start.add_listener(on_test_start)
    events.test_stopping.add_listener(on_test_stopping)
    events.test_stop.add_listener(on_test_stop)
    events.quitting.add_listener(on_quitting)
