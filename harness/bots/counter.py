"""Counter bots: people counting stock, typing into line inputs and logging movements.

Typed values are unique within a run (`UniqueValues`), so most events can be told apart by their
line values; now and then a counter saves a line again unchanged (`resave`), as users do, and its
event repeats the line's last one. Typing is simulated as the contract recommends: keystrokes in a
burst, and only a value followed by a pause of `debounce_ms` is PATCHed (lodash's trailing debounce).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from faker import Faker

from ..api import ApiRequest, StocktakeApi
from ..record.history import History, Operation
from ..spec.value_rules import DEFAULTS, ValueRule
from .calls import perform


class MovementBalance:
    """Purchases and waste that cancel out: a run leaves movements behind (the API cannot delete
    them), so each one's stock effect is kept within BUDGET of zero, and repeated staging runs do
    not drift item stock toward a column's limits. Shared by a run's counters (thread-safe)."""

    BUDGET = Decimal("10")

    def __init__(self) -> None:
        self.net = Decimal(0)
        self._lock = threading.Lock()

    def next(self, rng: random.Random, rule: ValueRule) -> tuple[str, str]:
        quantity = Decimal(rule.fit(Decimal(rng.randint(100, 500)) / 100))
        with self._lock:
            kind = rng.choice(("PURCHASE", "WASTE"))
            if abs(self.net + (quantity if kind == "PURCHASE" else -quantity)) > self.BUDGET:
                kind = "WASTE" if kind == "PURCHASE" else "PURCHASE"
            self.net += quantity if kind == "PURCHASE" else -quantity
        return kind, rule.fit(quantity)


class UniqueValues:
    """Indices no two writes of a run share, for values no two writes share (thread-safe)."""

    def __init__(self, start: int = 1) -> None:
        self._next = start
        self._lock = threading.Lock()

    def take(self) -> int:
        """The next index; a `ValueRule` turns it into a value the backend allows (0.01, 0.02, ...)."""
        with self._lock:
            n, self._next = self._next, self._next + 1
        return n


def debounced(gaps_ms: list[int], debounce_ms: int) -> list[int]:
    """Indices of the keystrokes whose value is sent: those followed by a gap >= debounce, and the last."""
    sent = [i for i, gap in enumerate(gaps_ms) if gap >= debounce_ms]
    return sent + [len(gaps_ms)]


@dataclass(frozen=True)
class CounterStyle:
    think_ms: tuple[int, int] = (200, 800)
    mix: dict[str, float] = field(default_factory=lambda: {"patch": 0.8, "movement": 0.2})
    debounce_ms: int = 500
    keystrokes: tuple[int, int] = (1, 4)
    keystroke_ms: tuple[int, int] = (40, 180)
    pause_chance: float = 0.1
    resave_chance: float = 0.05
    """Of steps, those that save a line again as it is (a blur, a second click on save): the backend
    answers and broadcasts a line identical to the last, as real users make it do."""


class CounterBot:
    def __init__(
        self,
        name: str,
        api: StocktakeApi,
        history: History,
        lines: list[dict[str, Any]],
        stocktake_id: int,
        socket_id: Callable[[], str | None],
        values: UniqueValues,
        style: CounterStyle,
        seed: int,
        data_hotel: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        balance: MovementBalance | None = None,
        rules: dict[str, dict[str, ValueRule]] = DEFAULTS,
    ) -> None:
        self.name = name
        self.api = api
        self.history = history
        self.lines = lines
        self.stocktake_id = stocktake_id
        self.socket_id = socket_id
        self.values = values
        self.style = style
        self.rng = random.Random(seed)
        self.fake = Faker()
        self.fake.seed_instance(seed)
        self.data_hotel = data_hotel
        self.sleep = sleep
        self.balance = balance or MovementBalance()
        self.rules = rules

    def think(self) -> None:
        low, high = self.style.think_ms
        self.sleep(self.rng.uniform(low, high) / 1000)

    def step(self) -> list[Operation]:
        actions, weights = zip(*self.style.mix.items())
        line = self.rng.choice(self.lines)
        if self.rng.random() < self.style.resave_chance:
            return self.resave(line)
        if self.rng.choices(actions, weights)[0] == "movement":
            return [self.add_movement(line)]
        return self.type_count(line)

    def type_count(self, line: dict[str, Any]) -> list[Operation]:
        """One burst of typing in the partial-units box; PATCH what survives the debounce."""
        style = self.style
        strokes = self.rng.randint(*style.keystrokes)
        gaps = [
            style.debounce_ms + 50 if self.rng.random() < style.pause_chance else self.rng.randint(*style.keystroke_ms)
            for _ in range(strokes - 1)
        ]
        rules = self.rules["patch_line"]
        values = [rules["counted_partial_units"].nth(self.values.take()) for _ in range(strokes)]
        full = rules["counted_full_units"].fit(Decimal(self.fake.random_int(0, 9)))
        ops, typed_from = [], 0
        for index in debounced(gaps, style.debounce_ms):
            self.sleep((sum(gaps[typed_from:index]) + style.debounce_ms) / 1000)
            ops.append(self.patch(line, full, values[index]))
            typed_from = index + 1
        return ops

    def patch(self, line: dict[str, Any], full: str | None, partial: str | None, **flags: Any) -> Operation:
        """`flags` join the operation's record (`resave`: it puts back the values the line had)."""
        request = self.api.patch_line(line["id"], full, partial, socket_id=self.socket_id())
        return self._perform("patch_line", request, line, **flags)

    def resave(self, line: dict[str, Any]) -> list[Operation]:
        """Read the line, then PATCH it with the counted values it holds: the response and the event
        repeat the line's last event, owed again (identical payloads are a multiset to the checker).
        Flagged `resave`, so a report can tell these writes from the typed ones."""
        read = self._perform("get_line", self.api.get_line(line["id"]), line)
        if not read.ok or not isinstance(read.body, dict):
            return [read]
        full, partial = read.body.get("counted_full_units"), read.body.get("counted_partial_units")
        return [read, self.patch(line, full, partial, resave=True)]

    def _perform(self, kind: str, request: ApiRequest, line: dict[str, Any], **flags: Any) -> Operation:
        return perform(
            self.history,
            self.api,
            self.name,
            kind,
            request,
            hotel=self.data_hotel,
            stocktake_id=self.stocktake_id,
            line_id=line["id"],
            **flags,
        )

    def add_movement(self, line: dict[str, Any]) -> Operation:
        kind, quantity = self.balance.next(self.rng, self.rules["add_movement"]["quantity"])
        request = self.api.add_movement(line["id"], kind, quantity, socket_id=self.socket_id())
        return self._perform("add_movement", request, line)
