"""What happens during a run, per scenario flow. Each flow drives bots until the budget is spent.

- counting: counters type into lines and log movements.
- approval-race: a manager approves while counters still write (later writes must be refused).
- list-page: a manager creates, populates, approves and deletes stocktakes while list-page
  listeners watch; counters keep counting.
- reconnect: some viewers lose their connection mid-run, come back and refetch.
- two-hotels: a user of the other hotel tries the first hotel's lines, both by its own
  hotel's URL and by the first hotel's.
- staging: counting on a real deployment, cross-hotel attempts when a second token is
  given, then approval; the runner's cleanup deletes what the run created.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ..api import StocktakeApi
from ..bots.calls import perform
from ..bots.counter import CounterBot
from ..errors import SetupFailed
from ..spec.scenario import FlowKind
from .context import FlowContext
from .probes import intruder_lines, run_probes


def run_counters(ctx: FlowContext, between: Callable[[], None] | None = None) -> None:
    """Every counter in its own thread, stepping until the shared budget is spent."""
    assert ctx.budget is not None
    budget = ctx.budget

    def work(counter: CounterBot) -> None:
        while budget.take():
            counter.step()
            if between is not None:
                between()
            counter.think()

    if not ctx.counters:
        return
    with ThreadPoolExecutor(len(ctx.counters)) as pool:
        list(pool.map(work, ctx.counters))


def counting(ctx: FlowContext) -> None:
    run_counters(ctx)


def _after_ops(ctx: FlowContext, count: int, action: Callable[[], None]) -> Callable[[], None]:
    """A hook counters call after each step; runs `action` once, when `count` operations exist."""
    fired = threading.Event()
    lock = threading.Lock()

    def maybe() -> None:
        with lock:
            if fired.is_set() or ctx.history.tally.invoked < count:
                return
            fired.set()
        action()

    return maybe


def approval_race(ctx: FlowContext) -> None:
    def approve() -> None:
        ctx.call("manager", "approve", ctx.api.approve(ctx.stocktake_id), stocktake_id=ctx.stocktake_id)

    hook = _after_ops(ctx, ctx.scenario.flow.approve_after_ops, approve)
    run_counters(ctx, hook)
    hook()


def list_page(ctx: FlowContext) -> None:
    def manage() -> None:
        for _ in range(ctx.scenario.flow.cycles):
            if ctx.stop.is_set():
                return
            approved = ctx.create_stocktake(populate=True)
            ctx.call("manager", "approve", ctx.api.approve(approved), stocktake_id=approved)
            ctx.delete_stocktake(ctx.create_stocktake(populate=False))

    manager = threading.Thread(target=manage, name="manager")
    manager.start()
    run_counters(ctx)
    manager.join()


def reconnect(ctx: FlowContext) -> None:
    def drop() -> None:
        viewers = [listener for listener in ctx.fleet.listeners if listener.name.startswith("viewer-")]
        for listener in viewers[: ctx.scenario.flow.drop_count]:
            listener.drop()

    hook = _after_ops(ctx, ctx.scenario.flow.drop_after_ops, drop)
    run_counters(ctx, hook)


def two_hotels(ctx: FlowContext) -> None:
    own_url = ctx.target.other_api()
    their_url = ctx.target.other_api(url_hotel=ctx.target.hotel)
    if own_url is None or their_url is None:
        raise SetupFailed("the two-hotels flow needs a second hotel and its token (--other-hotel/--other-token)")
    if ctx.target.other_hotel:
        ctx.fleet.add("other-hotel-viewer", [ctx.target.contract.channel("list", ctx.target.other_hotel)])
        ctx.fleet.wait_ready()
    intruder_step = _intruder(ctx, own_url, their_url)
    run_counters(ctx, intruder_step)


def _intruder(ctx: FlowContext, own_url: StocktakeApi, their_url: StocktakeApi) -> Callable[[], None]:
    """A user of the other hotel tries this hotel's lines, by its own hotel's URL and by this one's.
    Its write puts back the values it read (flagged `resave`, as counters' re-saves are), so an
    accepted intrusion is found (cross-hotel-access) and still changes nothing; it writes only lines
    no counter writes (a different one each time, never the probes' line), so it races no counter.
    With no such line it only reads, and the history says so."""
    spare, writes = intruder_lines(ctx)
    turn = itertools.count()
    lock = threading.Lock()

    def attempt() -> None:
        with lock:
            line = spare[next(turn) % len(spare)]
            # expect="refusal": an intruder's call that is refused is the system working
            context = {"stocktake_id": ctx.stocktake_id, "line_id": line["id"], "expect": "refusal"}
            for api in (own_url, their_url):
                read = perform(
                    ctx.history,
                    api,
                    "intruder",
                    "get_line",
                    api.get_line(line["id"]),
                    hotel=ctx.target.hotel,
                    **context,
                )
                if writes:
                    seen = read.body if read.ok and isinstance(read.body, dict) else line
                    request = api.patch_line(
                        line["id"], seen.get("counted_full_units"), seen.get("counted_partial_units")
                    )
                    perform(
                        ctx.history,
                        api,
                        "intruder",
                        "patch_line",
                        request,
                        hotel=ctx.target.hotel,
                        resave=True,
                        **context,
                    )

    return attempt


def staging(ctx: FlowContext) -> None:
    own_url, their_url = ctx.target.other_api(), ctx.target.other_api(url_hotel=ctx.target.hotel)
    intruder_step = _intruder(ctx, own_url, their_url) if own_url and their_url else None
    run_counters(ctx, _every(ctx, 5, intruder_step) if intruder_step else None)
    run_probes(ctx)
    ctx.call("manager", "approve", ctx.api.approve(ctx.stocktake_id), stocktake_id=ctx.stocktake_id)
    if not ctx.keep:  # deleted while the list viewers still listen, so stocktake-deleted is judged too
        ctx.delete_stocktake(ctx.stocktake_id)


def _every(ctx: FlowContext, n: int, action: Callable[[], None]) -> Callable[[], None]:
    """A hook that runs `action` each time the run passes another n operations, so probes stay a
    small fraction of the load (a step may add several operations: passing, not landing on, counts)."""
    passed = [ctx.history.tally.invoked // n]
    lock = threading.Lock()

    def maybe() -> None:
        with lock:
            now = ctx.history.tally.invoked // n
            due, passed[0] = now > passed[0], max(passed[0], now)
        if due:
            action()

    return maybe


def probes(ctx: FlowContext) -> None:
    """Counting, then every bad-input probe on the run's own stocktake (harness/run/probes.py)."""
    run_counters(ctx)
    run_probes(ctx)


FLOWS: dict[FlowKind, Callable[[FlowContext], None]] = {
    "counting": counting,
    "approval-race": approval_race,
    "list-page": list_page,
    "reconnect": reconnect,
    "two-hotels": two_hotels,
    "staging": staging,
    "probes": probes,
}
