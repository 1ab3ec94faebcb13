"""What a flow works with: the run's target, history, bots and budget, and the stocktakes it made.

Kept apart from the flows themselves so each flow reads as what happens, and the
bookkeeping (the shared budget, setup retries, cleanup in target mode) has one home.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..api import StocktakeApi
from ..bots.calls import perform
from ..bots.counter import CounterBot
from ..bots.fleet import ListenerFleet
from ..errors import SetupFailed
from ..record.history import History, Operation
from ..spec.scenario import Scenario
from .target import Target


class Budget:
    """Operations and time left; shared by every counter thread, so a run always stops by itself."""

    def __init__(self, operations: int, seconds: float, stop: threading.Event) -> None:
        self.left = operations
        self.taken = 0
        self.deadline = time.monotonic() + seconds
        self.stop = stop
        self.ended_by: str | None = None  # "operations", "time" or "interrupted": what ended the run
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.stop.is_set():
                self.ended_by = self.ended_by or "interrupted"
            elif self.left <= 0:
                self.ended_by = self.ended_by or "operations"
            elif time.monotonic() >= self.deadline:
                self.ended_by = self.ended_by or "time"
            else:
                self.left -= 1
                self.taken += 1
                return True
            return False


@dataclass
class FlowContext:
    scenario: Scenario
    target: Target
    history: History
    fleet: ListenerFleet
    rng: random.Random
    stop: threading.Event
    stocktake_id: int = 0
    lines_in_play: list[dict[str, Any]] = field(default_factory=list)
    spare_lines: list[dict[str, Any]] = field(default_factory=list)  # lines no counter writes
    counters: list[CounterBot] = field(default_factory=list)
    budget: Budget | None = None
    created: list[int] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)
    deletes_sent: set[int] = field(default_factory=set)
    remote: bool = False
    keep: bool = False
    _api: StocktakeApi | None = None

    def pause(self, seconds: float) -> None:
        """A counter's think or typing pause, cut short by a stop or the end of the run's time: a
        minute's think must not hold a run past its time bound or a Ctrl-C."""
        if self.budget is not None:
            seconds = min(seconds, max(0.0, self.budget.deadline - time.monotonic()))
        self.stop.wait(seconds)

    @property
    def api(self) -> StocktakeApi:
        if self._api is None:
            self._api = self.target.api()
        return self._api

    def call(self, actor: str, kind: str, request: Any, **context: Any) -> Operation:
        return perform(self.history, self.api, actor, kind, request, **context)

    def create_stocktake(self, populate: bool) -> int:
        """A stocktake in a far-off period of its own, so runs never collide with real data."""
        for _ in range(20):
            year, month = self.rng.randint(2200, 2999), self.rng.randint(1, 12)
            op = self.call(
                "manager",
                "create_stocktake",
                self.api.create_stocktake(f"{year}-{month:02d}-01", f"{year}-{month:02d}-28"),
                expect="any",  # a period already taken is refused, and the next one is tried
            )
            if op.ok:
                sid = int(op.body["id"])
                self.created.append(sid)
                if populate:
                    populated = self.call("manager", "populate", self.api.populate(sid), stocktake_id=sid)
                    if not populated.ok:
                        raise SetupFailed(f"populate of stocktake {sid} answered {populated.status}: {populated.body}")
                return sid
            if op.status is None or op.status in (401, 403, 404) or op.status >= 500:
                raise SetupFailed(f"creating a stocktake answered {op.status or op.error}: {op.body}")
        raise SetupFailed("could not find a free stocktake period in 20 tries")

    def delete_stocktake(self, stocktake_id: int, actor: str = "manager") -> bool:
        """Deleted (or already gone): the run's truth and cleanup leave it out from now on.

        A delete sent again after one whose answer never came back (a Locust user stopped in the
        middle of its request, a timeout) may well find the stocktake gone: the run counts on
        nothing from it, so its 404 is no refusal of the backend's."""
        again = {"expect": "any"} if stocktake_id in self.deletes_sent else {}
        self.deletes_sent.add(stocktake_id)
        request = self.api.delete_stocktake(stocktake_id)
        op = self.call(actor, "delete_stocktake", request, stocktake_id=stocktake_id, **again)
        if op.ok or op.status == 404:
            self.deleted.add(stocktake_id)
        return stocktake_id in self.deleted

    def lines(self, stocktake_id: int) -> list[dict[str, Any]]:
        return self.lines_read(stocktake_id)[0] or []

    def lines_read(self, stocktake_id: int) -> tuple[list[dict[str, Any]] | None, int]:
        """The stocktake's lines as the backend lists them (None: it answered no list of them), and
        the status it answered with."""
        response = self.api.send(self.api.list_lines(stocktake_id))
        return (response.body if response.ok and isinstance(response.body, list) else None), response.status

    def truth_stocktakes(self) -> list[int]:
        return [sid for sid in self.created if sid not in self.deleted]

    def cleanup(self) -> list[int]:
        """Target mode deletes every stocktake the run created (unless kept); returns what is left.

        Embedded runs leave their data: the simulator's database goes with the process.
        """
        if not self.remote or self.keep:
            return self.truth_stocktakes()
        for sid in self.truth_stocktakes():
            self.delete_stocktake(sid, actor="cleanup")
        return self.truth_stocktakes()
