"""pytest fixtures for teams writing their own sync tests (registered via the pytest11 entry point).

- `stocksync_stack`: the embedded default (healthy), shared by the session.
- `stocksync_stack_factory(faults=[...], **options)`: a fresh stack with faults, stopped after the test.
- `stocksync_api`: an API client for the healthy stack's first hotel.
- `stocksync_stocktake`: a stocktake of the test's own on the healthy stack, populated, deleted after.
- `stocksync_listeners(channels, count=1, kind="pysher", stack=None)`: subscribed listeners recording
  into `stocksync_history`; stopped after the test.
- `stocksync_counters(stocktake_id, lines, count=1, sockets=None, stack=None)`: counter bots writing
  into `stocksync_history`; `sockets` gives each its browser's socket_id.
- `stocksync_run(scenario, faults=(), stack=None, **overrides)`: play a scenario on a fresh embedded
  stack (or the one given) and return the `RunOutcome`; its reports are kept in the test's tmp_path.

Every fixture that takes `stack=` accepts one made by `stocksync_stack_factory(faults=[...])`, so a
test can put listeners, counters or a whole scenario on a stack with faults. `assert_no_findings`
lives in `harness.testing.assertions` (import it from `harness.testing`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..api import StocktakeApi
from ..bots.counter import CounterBot, CounterStyle, UniqueValues
from ..bots.fleet import Listener, ListenerFleet
from ..record.history import History
from ..record.history_file import HISTORY_NAME
from ..run.runner import Runner, RunOutcome
from ..run.target import Target
from ..sim.stack import EmbeddedStack, StackOptions
from ..spec.contract import Contract
from ..spec.faults import select
from ..spec.scenario import Scenario, load_scenario

StackFactory = Callable[..., EmbeddedStack]


@pytest.fixture(scope="session")
def stocksync_stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack() as stack:
        yield stack
        stack.check()


@pytest.fixture
def stocksync_stack_factory() -> Iterator[StackFactory]:
    started: list[EmbeddedStack] = []

    def make(faults: list[str] | tuple[str, ...] = (), **options: Any) -> EmbeddedStack:
        stack = EmbeddedStack(StackOptions(faults=select(faults), **options)).start()
        started.append(stack)
        return stack

    yield make
    for stack in started:
        stack.stop()
    for stack in started:
        stack.check()


@pytest.fixture
def stocksync_api(stocksync_stack: EmbeddedStack) -> StocktakeApi:
    return Target.embedded(stocksync_stack).api()


@pytest.fixture
def stocksync_history(tmp_path: Path) -> Iterator[History]:
    history = History(tmp_path / HISTORY_NAME, {"source": "pytest"})
    yield history
    history.close()


@dataclass(frozen=True)
class Stocktake:
    """A stocktake a test owns: its id, its lines as the API returned them, and its detail channel."""

    id: int
    lines: list[dict[str, Any]]
    channel: str


@pytest.fixture
def stocksync_stocktake(stocksync_api: StocktakeApi) -> Iterator[Stocktake]:
    """Created in a far-off period of its own, populated, and deleted after the test."""
    for _ in range(50):
        year, month = random.randrange(3000, 3500), random.randrange(1, 13)
        created = stocksync_api.send(stocksync_api.create_stocktake(f"{year}-{month:02d}-01", f"{year}-{month:02d}-28"))
        if created.status == 201:
            break
    else:
        pytest.fail(f"could not create a stocktake: {created.status} {created.text[:200]}")
    sid = int(created.body["id"])
    assert stocksync_api.send(stocksync_api.populate(sid)).ok
    lines = stocksync_api.send(stocksync_api.list_lines(sid)).body
    yield Stocktake(sid, lines, Contract().channel("detail", stocksync_api.hotel, sid))
    stocksync_api.send(stocksync_api.delete_stocktake(sid))


@pytest.fixture
def stocksync_listeners(
    stocksync_stack: EmbeddedStack, stocksync_history: History
) -> Iterator[Callable[..., list[Listener]]]:
    fleets: list[ListenerFleet] = []

    def make(
        channels: list[str], count: int = 1, kind: str = "pysher", stack: EmbeddedStack | None = None
    ) -> list[Listener]:
        fleet = ListenerFleet(Target.embedded(stack or stocksync_stack).pusher, stocksync_history, kind)
        fleets.append(fleet)
        listeners = [fleet.add(f"listener-{len(fleets)}-{n + 1}", channels) for n in range(count)]
        fleet.wait_ready()
        return listeners

    yield make
    for fleet in fleets:
        fleet.stop()


@pytest.fixture
def stocksync_counters(stocksync_api: StocktakeApi, stocksync_history: History) -> Callable[..., list[CounterBot]]:
    values = UniqueValues()

    def make(
        stocktake_id: int,
        lines: list[dict[str, Any]],
        count: int = 1,
        sockets: list[Listener] | None = None,
        style: CounterStyle | None = None,
        stack: EmbeddedStack | None = None,
    ) -> list[CounterBot]:
        api = Target.embedded(stack).api() if stack is not None else stocksync_api

        def socket_of(n: int) -> Callable[[], str | None]:
            return (lambda: sockets[n].recorder.socket_id) if sockets else (lambda: None)

        style = style or CounterStyle(think_ms=(0, 0))
        return [
            CounterBot(f"counter-{n + 1}", api, stocksync_history, lines, stocktake_id, socket_of(n), values, style, n)
            for n in range(count)
        ]

    return make


@pytest.fixture
def stocksync_run(tmp_path: Path) -> Callable[..., RunOutcome]:
    def play(
        scenario: str | Scenario,
        faults: list[str] | tuple[str, ...] = (),
        seed: int = 7,
        stack: EmbeddedStack | None = None,
        **overrides: Any,
    ) -> RunOutcome:
        spec = load_scenario(scenario) if isinstance(scenario, str) else scenario
        for section, values in overrides.items():
            spec = spec.model_copy(update={section: getattr(spec, section).model_copy(update=values)})
        history = tmp_path / f"{spec.name}-{'-'.join(faults) or 'healthy'}.jsonl"
        if stack is not None:
            return Runner(spec, Target.embedded(stack), seed=seed, history_path=history).run()
        options = StackOptions(faults=select([*spec.faults, *faults]), seed=seed, items_per_hotel=spec.stocktake.items)
        with EmbeddedStack(options) as fresh:
            outcome = Runner(spec, Target.embedded(fresh), seed=seed, history_path=history).run()
            fresh.check()
        return outcome

    return play
