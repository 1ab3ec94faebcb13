"""The runner: set up a stocktake, start listeners and counters, play the scenario's flow,
drain to quiescence, take the truth, and hand the history to the checks.

Data flows one way (docs/architecture.md): scenario -> runner -> bots append to the history ->
drain -> checks -> findings. The runner judges nothing itself.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api import StocktakeApi
from ..bots.browser_listener import BrowserListener, BrowserSession
from ..bots.counter import CounterBot, CounterStyle, MovementBalance, UniqueValues
from ..bots.fleet import ListenerFleet
from ..bots.listener_processes import RemoteRecorder, processes_for
from ..bots.recorder import ListenerRecorder
from ..check_file import check_file
from ..checks import CheckResult, check
from ..errors import SetupFailed
from ..record.deliveries_table import DeliveriesTable
from ..record.history import History, HistoryData
from ..spec.contract import DETAIL, LIST
from ..spec.scenario import Scenario, required_checks
from .after_play import drain, record_server_logs
from .context import Budget, FlowContext
from .failures import play, record_failure
from .flows import FLOWS
from .preflight import probe_exposure
from .progress import Progress, ProgressWatch
from .residue import Residue
from .snapshots import snapshot_hook
from .target import Target


@dataclass
class RunOutcome:
    scenario: Scenario
    history: HistoryData
    result: CheckResult
    started_at: float
    duration: float
    history_path: Path | None
    meta: dict[str, Any] = field(default_factory=dict)


class Runner:
    def __init__(
        self,
        scenario: Scenario,
        target: Target,
        *,
        seed: int = 7,
        history_path: Path | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        stop: threading.Event | None = None,
        keep: bool = False,
        live: bool = False,
        deliveries: bool = False,
    ) -> None:
        """`live`: something checks the run as it goes (Locust's feed); the CLI's progress does too.
        `deliveries`: the check writes the deliveries table beside the history, where the run's reports
        go (`stocksync run`; a Locust worker's history is checked again by the master, who writes it)."""
        self.scenario = scenario
        self.deliveries = deliveries
        self.live = live or on_progress is not None
        self.keep = keep
        self.remote = target.remote
        self.target = dataclasses.replace(target, request_timeout_s=scenario.limits.request_timeout_s)
        self.seed = seed
        self.history_path = history_path
        self.on_progress = on_progress
        self.stop = stop or threading.Event()
        self.hurry = threading.Event()  # a second interrupt: cut the drain short, still check and report
        self.interrupted_by: str | None = None
        self._started = self._t0 = 0.0
        c = scenario.counters
        self._values, self._balance = UniqueValues(), MovementBalance()
        self._style = CounterStyle(
            think_ms=c.think_ms,
            mix={str(k): w for k, w in c.mix.items()},
            debounce_ms=c.debounce_ms,
            keystrokes=c.keystrokes,
        )
        self._detail = ""
        self._hook: Callable[[ListenerRecorder, str], None] | None = None
        self._residue = Residue()

    def _meta(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "scenario": s.name,
            "seed": self.seed,
            "latency_limit_ms": s.limits.latency_ms,
            "contract": self.target.contract.describe(),
            "target": self.target.base_url,
            "hotel": self.target.hotel,
            "faults": sorted({*s.faults, *self.target.faults}),
            "started": time.time(),
            "expect": {
                "operations": s.run.operations,
                "duration_s": s.run.duration_s,
                "until": s.run.until,
                "min_write_success": s.limits.min_write_success,
                "required": required_checks(s, bool(self.target.other_token)),
            },
        }

    def interrupt(self, cause: str) -> None:
        """Stop playing (a signal, named by `cause`); the run drains, checks and reports as INCONCLUSIVE.
        A second call cuts the drain short."""
        if self.interrupted_by is not None:
            self.hurry.set()
        self.interrupted_by = self.interrupted_by or cause
        self.stop.set()

    def run(self) -> RunOutcome:
        ctx = self.begin()
        try:
            play(FLOWS[self.scenario.flow.kind], ctx, f"flow {self.scenario.flow.kind!r}")
        except BaseException:
            self._close(ctx)
            raise
        return self.finish(ctx)

    def begin(self) -> FlowContext:
        """Listeners up, the run's stocktake created and populated, counters ready: the flow may start.

        Locust calls this at test start and drives the counters itself, then calls `finish`.
        """
        self._started, self._t0 = time.time(), time.monotonic()
        # the final check reads the file; a live check takes what it needs as it comes (`follow`)
        history = History(self.history_path, self._meta(), receipts=False, operations=False)
        self._residue = Residue()
        history.on_complete(self._residue.take)
        self._residue.before(self.target.api())
        if self.live:
            history.follow()
        listeners = self.scenario.listeners
        processes = processes_for(listeners.processes, listeners.count + listeners.list_page)
        fleet = ListenerFleet(self.target.pusher, history, listeners.kind, processes)
        ctx = FlowContext(
            self.scenario,
            self.target,
            history,
            fleet,
            random.Random(self.seed),
            self.stop,
            remote=self.remote,
            keep=self.keep,
        )
        try:
            self._setup(ctx)
        except BaseException:
            self._close(ctx)
            raise
        if self.on_progress is not None:
            watch = ProgressWatch(
                history, fleet, self.target.contract, self.scenario.limits.latency_ms / 1000, budget=ctx.budget
            )
            threading.Thread(target=watch.run, args=(self.stop, self.on_progress), daemon=True).start()
        return ctx

    def finish(self, ctx: FlowContext) -> RunOutcome:
        """Settle the record (`settle`), and check it."""
        left = self.settle(ctx)
        history = ctx.history
        if history.whole or history.path is None:
            data, result = history.data, check(history.data, self.target.contract)
        else:  # the run kept no receipts in memory (`History`): its file is read once, as a stream
            table = DeliveriesTable.beside(history.path) if self.deliveries else None
            data, result = check_file(history.path, self.target.contract, deliveries=table)
        return RunOutcome(
            self.scenario,
            data,
            result,
            self._started,
            time.monotonic() - self._t0,
            self.history_path,
            {"created": list(ctx.created), "left_behind": left, "kept": self.keep},
        )

    def settle(self, ctx: FlowContext) -> list[int]:
        """Drain to quiescence, take the truth and the servers' logs, and clean up: the record whole
        and closed, unchecked (a Locust process that reports checks it there, once). What the run
        left behind."""
        history = ctx.history
        budget = ctx.budget
        history.set_meta(
            interrupted=self.interrupted_by,
            ended_by=budget.ended_by if budget is not None else None,
            steps=budget.taken if budget is not None else None,
        )
        try:
            drain(history, ctx.fleet, self.scenario.limits.latency_ms / 1000, self.hurry)
            history.set_meta(quiesced_at=history.now(), interrupted=self.interrupted_by)
            self._truth(ctx)
            self._residue.reread(ctx.api, history, ctx.lines_in_play + ctx.spare_lines)
            record_server_logs(history, self.target.server_logs())
        except Exception as exc:  # the harness's own: recorded, and the run still checks and reports
            record_failure(history, "drain after play", exc)
        finally:
            left = self._close(ctx)
        return left

    def _close(self, ctx: FlowContext) -> list[int]:
        self.stop.set()
        ctx.fleet.stop()
        left = ctx.cleanup()
        self._residue.after(self.target.api())
        ctx.history.set_meta(created=ctx.created, left_behind=left, residue=self._residue.found())
        ctx.history.close()
        return left

    def _setup(self, ctx: FlowContext) -> None:
        s, contract, api, history, fleet = (
            self.scenario,
            self.target.contract,
            self.target.api(),
            ctx.history,
            ctx.fleet,
        )
        hotel = self.target.hotel
        list_channel = contract.channel(LIST, hotel)
        for n in range(s.listeners.list_page):
            fleet.add(f"list-viewer-{n + 1}", [list_channel])
        if s.listeners.list_page:
            fleet.wait_ready()
        stocktake_id = ctx.create_stocktake(populate=True)
        lines = ctx.lines(stocktake_id)
        if not lines:
            raise SetupFailed(f"stocktake {stocktake_id} has no lines after populate")
        ctx.stocktake_id, ctx.lines_in_play = stocktake_id, lines[: s.stocktake.lines]
        ctx.spare_lines = lines[s.stocktake.lines :]
        detail = contract.channel(DETAIL, hotel, stocktake_id)
        if self.remote:
            probe_exposure(self.target, [list_channel, detail], history)
        self._detail = detail
        self._hook = snapshot_hook(self.target.api(), history, stocktake_id, hotel) if s.listeners.frontend else None
        for n in range(s.listeners.count):
            fleet.add(f"viewer-{n + 1}", [detail], self._hook)
        for n in range(s.listeners.browsers):
            fleet.add(f"browser-viewer-{n + 1}", [detail], self._hook, kind="browser")
        fleet.wait_ready()
        for n in range(s.counters.count):
            self.add_counter(ctx, f"counter-{n + 1}", api, self.seed + n)
        ctx.budget = Budget(s.run.operations, s.run.duration_s, self.stop)

    def add_counter(self, ctx: FlowContext, name: str, api: StocktakeApi, seed: int) -> CounterBot:
        """A counter with a browser of its own: a listener on the stocktake whose socket_id the
        counter's writes carry (so it must not get them back) and whose view models its page."""
        kind = "browser" if self.scenario.counters.browser else None
        browser = ctx.fleet.add(f"{name}-browser", [self._detail], self._hook, local=True, kind=kind)
        ctx.fleet.wait_ready()
        if isinstance(browser, BrowserListener):
            api = self.target.api(BrowserSession(browser))  # type: ignore[arg-type]
        ctx.fleet.watch_writer(name, servers=self.target.servers_here, page=browser)
        counter = CounterBot(
            name,
            api,
            ctx.history,
            ctx.lines_in_play,
            ctx.stocktake_id,
            _socket_of(browser.recorder),
            self._values,
            self._style,
            seed,
            balance=self._balance,
            rules=self.target.contract.values,
            sleep=ctx.pause,
        )
        ctx.counters.append(counter)
        return counter

    def _truth(self, ctx: FlowContext) -> None:
        """A fresh GET of each stocktake's lines, what the pages are compared with. One the backend did
        not answer with its lines is recorded as `unread`: compared with nothing, no page would differ."""
        for stocktake_id in ctx.truth_stocktakes():
            lines, status = ctx.lines_read(stocktake_id)
            if status == 404 and stocktake_id in ctx.deletes_sent:
                ctx.deleted.add(stocktake_id)  # a delete whose answer never came back (`FlowContext.delete`)
                continue
            data = {"stocktake_id": stocktake_id, "hotel": self.target.hotel, "lines": lines or []}
            if lines is None:
                data["unread"] = f"answered {status}" if not 200 <= status < 300 else "answered no list of lines"
            ctx.history.observe("truth", data=data)


def _socket_of(recorder: ListenerRecorder | RemoteRecorder) -> Callable[[], str | None]:
    return lambda: recorder.socket_id
