"""One Locust process's share of a load run: its target, stocktake, listeners and record.

Built on the `Runner` (begin -> Locust drives the counters -> finish), so set-up, draining,
truth and checking are the ones `stocksync run` uses. Each process works on a stocktake of
its own, so its counters' operations are judged against its own listeners' receipts.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests
from pydantic import ValidationError

from ..bots.counter import CounterBot
from ..check_file import check_file
from ..errors import ScenarioError, UsageError
from ..record.history import History
from ..record.history_meta import files_of
from ..record.receipt_chunks import RECEIPTS_DIR
from ..run.context import FlowContext
from ..run.open_files import ensure_open_files
from ..run.runner import Runner
from ..run.target import Target
from ..sim.served import ServedStack
from ..spec.contract import load_contract
from ..spec.faults import select
from ..spec.scenario import Scenario, load_scenario
from . import roles
from .feed import LiveFeed, Row
from .options import settings_of


class LoadSession:
    def __init__(self, options: Any, name: str) -> None:
        self.options = options
        self.name = name
        self.contract = load_contract(Path(options.sync_contract) if options.sync_contract else None)
        self.scenario = self._scenario(options)
        self.served: ServedStack | None = None
        self.target: Target | None = None
        self.runner: Runner | None = None
        self.ctx: FlowContext | None = None
        self.history: History | None = None
        self.feed: LiveFeed | None = None  # from the start of the run
        self._users = 0
        self._viewers = 0

    @staticmethod
    def _scenario(options: Any) -> Scenario:
        """The scenario's stocktake, think times and limits; Locust's users are the counters (each
        gets a browser as it starts) and the listeners come from the options."""
        raw = load_scenario(options.sync_scenario).model_dump()
        raw["counters"]["count"] = 0
        raw["listeners"].update(count=options.sync_listeners, kind=options.sync_listener_kind, list_page=0)
        try:
            return Scenario.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})" for e in exc.errors()
            )
            raise ScenarioError(f"--sync-* options: {problems}") from None

    def resolve(self) -> Target | None:
        """The remote target, or None for the embedded stack; refused as `stocksync run` refuses:
        bad settings, an unknown fault, or a fault aimed at a remote target."""
        target = Target.from_settings(settings_of(self.options), self.contract)
        select(self.faults)
        if target is not None and self.faults:
            raise UsageError(
                "faults can only be injected into the embedded stack; drop --target, or --sync-fault and the "
                f"scenario's faults ({', '.join(self.faults)})"
            )
        return target

    @property
    def faults(self) -> list[str]:
        """The scenario's faults and --sync-fault's, as `stocksync run` takes its scenario's and --fault's:
        the record names the scenario's, so the embedded stack must inject them."""
        return [*self.scenario.faults, *(f for f in (self.options.sync_fault or "").split(",") if f)]

    def begin(self, history_dir: Path) -> None:
        target = self.resolve()
        # the embedded stack runs in a child process here: this process holds only the listeners' ends
        ensure_open_files(self.scenario.listeners.count, embedded=False)
        if target is None:
            self.served = ServedStack(*[a for f in self.faults for a in ("--fault", f)])
            target = Target.from_ready_info(self.served.info, self.contract)
        self.target = target
        history_dir.mkdir(parents=True, exist_ok=True)
        self.runner = Runner(
            self.scenario,
            target,
            seed=random.randrange(1 << 30),
            # the pid keeps two Locust runs sharing a report folder (or one machine's workers) apart
            history_path=history_dir / f"history-{self.name}-{os.getpid()}.jsonl",
            keep=bool(getattr(self.options, "sync_keep", False)),
            live=True,
        )
        self.ctx = self.runner.begin()
        self.history = self.ctx.history
        # Locust's users are the counters, run for as long as Locust runs: no budget of steps is taken,
        # and the scenario's plan of steps and seconds is none of this run's (the verdict counts requests)
        self.ctx.budget = None
        self.history.set_meta(expect={**self.history.data.meta["expect"], "operations": None, "until": None})
        self.feed = LiveFeed(self.contract, self.scenario.limits.latency_ms / 1000, self.history)

    def counter(self, http: requests.Session) -> CounterBot:
        """A counter for one Locust user, with a browser of its own, writing through the user's
        HttpSession (so its requests are Locust's HTTP rows)."""
        assert self.ctx is not None and self.target is not None and self.runner is not None
        self._users += 1
        api = roles.user_api(self.target, http)
        return self.runner.add_counter(self.ctx, f"user-{self._users}", api, seed=self._users)

    def list_viewer(self, http: requests.Session) -> roles.Step:
        assert self.ctx is not None
        self._viewers += 1
        return roles.list_viewer(self.ctx, f"list-viewer-{self._viewers}", http)

    def supervisor(self, http: requests.Session, list_page_wait_s: float) -> roles.Step:
        assert self.ctx is not None
        return roles.supervisor(self.ctx, http, list_page_wait_s)

    def intruder(self) -> roles.Step | None:
        assert self.ctx is not None
        return roles.intruder(self.ctx)

    def listener_states(self) -> dict[str, int]:
        """How many of this process's listeners are connected and subscribed, connecting, or down."""
        if self.ctx is None:
            return {}
        states: Counter[str] = Counter()
        for listener in self.ctx.fleet.listeners:
            recorder = listener.recorder
            states["subscribed" if recorder.ready else ("connected" if recorder.socket_id else "down")] += 1
        return dict(states)

    def think_s(self) -> float:
        low, high = self.scenario.counters.think_ms
        return random.uniform(low, high) / 1000

    def rows(self) -> list[Row]:
        if self.ctx is None or self.feed is None:
            return []
        return self.feed.rows(self.ctx.history, self.ctx.history.now())

    def final_rows(self) -> list[Row]:
        """After the drain every write is settled: the rows the live feed had not reached yet."""
        return self.feed.rows(self.history, None) if self.feed is not None and self.history is not None else []

    def finish(self) -> Path | None:
        """The record, settled and closed, unchecked: the process that reports checks it there, so a
        local run's record is checked once, as a master checks its workers' (`hooks._report`)."""
        if self.runner is None or self.ctx is None:
            return None
        try:
            self.runner.settle(self.ctx)
            return self.runner.history_path
        finally:
            self.ctx = None
            self.close()

    def verdict_of(self, path: Path) -> str:
        """A worker's own verdict on its own record, for its exit code. Worked out once the record has
        been sent: the master's report is the run's, and its collection waits on the records, not on
        each worker's check of its own (`hooks.COLLECT_TIMEOUT_S`)."""
        return check_file(path, self.contract)[1].verdict

    def close(self) -> None:
        if self.served is not None:
            self.served.stop()
            self.served = None


def record_files(path: Path) -> tuple[str, dict[str, bytes]]:
    """A settled record's text, and the files it names (its parts and receipts chunks) by their names
    relative to it: what goes into the report folder, or to the master."""
    files = [path.parent / name for name in files_of(path)]
    return path.read_text(encoding="utf-8"), {
        file.relative_to(path.parent).as_posix(): file.read_bytes() for file in files
    }


def discard_record(path: Path, files: Iterable[str]) -> None:
    """The working copy of a record and the `files` it names (`record_files`' names), once the report
    folder (or the master) holds them."""
    for file in (path, *(path.parent / name for name in files)):
        file.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # its receipts chunks' folder, if it is empty now
        (path.parent / RECEIPTS_DIR).rmdir()
