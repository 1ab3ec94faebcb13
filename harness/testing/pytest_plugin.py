"""pytest fixtures for teams writing their own sync tests (registered via the pytest11 entry point).

- `stocksync_stack`: the embedded default (healthy), shared by the session.
- `stocksync_stack_factory(faults=[...], **options)`: a fresh stack with faults, stopped after the test.
- `stocksync_api`: an API client for the healthy stack's first hotel.
- `stocksync_listeners(channels, count=1, kind="pysher")`: subscribed listeners recording into
  `stocksync_history`; stopped after the test.
- `stocksync_counters(stocktake_id, lines, count=1, sockets=None)`: counter bots writing through
  `stocksync_api` into `stocksync_history`; `sockets` gives each its browser's socket_id.
- `stocksync_run(scenario, faults=(), **overrides)`: play a scenario on a fresh embedded stack and
  return the `RunOutcome` (history, check result).
- `assert_no_findings(result)`: fails showing every finding, with its evidence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..api import StocktakeApi
from ..bots.counter import CounterBot, CounterStyle, UniqueValues
from ..bots.fleet import Listener, ListenerFleet
from ..checks import CheckResult
from ..faults import select
from ..history import History
from ..run.runner import Runner, RunOutcome
from ..run.target import Target
from ..scenario import Scenario, load_scenario
from ..sim.stack import EmbeddedStack, StackOptions

StackFactory = Callable[..., EmbeddedStack]


def assert_no_findings(result: CheckResult | RunOutcome, include_warnings: bool = False) -> None:
    check_result = result.result if isinstance(result, RunOutcome) else result
    found = check_result.findings if include_warnings else check_result.errors
    if found:
        shown = "\n".join(json.dumps(f.to_dict(), default=str) for f in found[:20])
        more = f"\n... and {len(found) - 20} more" if len(found) > 20 else ""
        pytest.fail(f"{len(found)} sync finding(s):\n{shown}{more}", pytrace=False)


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
    history = History(tmp_path / "history.jsonl", {"source": "pytest"})
    yield history
    history.close()


@pytest.fixture
def stocksync_listeners(
    stocksync_stack: EmbeddedStack, stocksync_history: History
) -> Iterator[Callable[..., list[Listener]]]:
    fleets: list[ListenerFleet] = []

    def make(channels: list[str], count: int = 1, kind: str = "pysher") -> list[Listener]:
        fleet = ListenerFleet(Target.embedded(stocksync_stack).pusher, stocksync_history, kind)
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
    ) -> list[CounterBot]:
        def socket_of(n: int) -> Callable[[], str | None]:
            return (lambda: sockets[n].recorder.socket_id) if sockets else (lambda: None)

        return [
            CounterBot(
                f"counter-{n + 1}",
                stocksync_api,
                stocksync_history,
                lines,
                stocktake_id,
                socket_of(n),
                values,
                style or CounterStyle(think_ms=(0, 0)),
                seed=n,
            )
            for n in range(count)
        ]

    return make


@pytest.fixture
def stocksync_run(tmp_path: Path) -> Callable[..., RunOutcome]:
    def play(
        scenario: str | Scenario, faults: list[str] | tuple[str, ...] = (), seed: int = 7, **overrides: Any
    ) -> RunOutcome:
        spec = load_scenario(scenario) if isinstance(scenario, str) else scenario
        for section, values in overrides.items():
            spec = spec.model_copy(update={section: getattr(spec, section).model_copy(update=values)})
        options = StackOptions(faults=select([*spec.faults, *faults]), seed=seed, items_per_hotel=spec.stocktake.items)
        with EmbeddedStack(options) as stack:
            outcome = Runner(
                spec,
                Target.embedded(stack),
                seed=seed,
                history_path=tmp_path / f"{spec.name}-{'-'.join(faults) or 'healthy'}.jsonl",
            ).run()
            stack.check()
        return outcome

    return play
