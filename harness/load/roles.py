"""The scenarios' roles besides the counters, as one Locust user each: the list-page viewer, the
supervisor and the intruder. Each returns its step; Locust's user calls it between think times.

They are the flows' own actions (`harness.run.flows`, `FlowContext`) on the process's run, so a
load run judges what `stocksync run` judges: stocktake events on the hotel's list channel,
approval (its large status event) and deletion, and cross-hotel access with the other hotel's
token. A role's HTTP goes through the Locust user's session (Locust's HTTP rows) where it is the
hotel's own; the intruder's refused calls are the system working, so they are no Locust failure.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

import requests

from ..api import StocktakeApi
from ..run.context import FlowContext
from ..run.flows import _intruder
from ..run.target import Target
from ..spec.contract import LIST
from ..waiting import TimedOut, wait_until

Step = Callable[[], None]


def user_api(target: Target, http: requests.Session) -> StocktakeApi:
    """The hotel's API on a Locust user's HttpSession, its rows named by route (not by id)."""
    return StocktakeApi(
        target.base_url, target.hotel, target.token, auth_scheme=target.auth_scheme, session=http, label_routes=True
    )


def list_viewer(ctx: FlowContext, name: str, http: requests.Session) -> Step:
    """Someone on the stocktakes list page: holds the hotel's list channel from now on, and
    reloads the list now and then."""
    ctx.fleet.add(name, [ctx.target.contract.channel(LIST, ctx.target.hotel)])
    ctx.fleet.wait_ready()
    api = user_api(ctx.target, http)

    def reload() -> None:
        api.send(api.list_stocktakes())

    return reload


def supervisor(ctx: FlowContext, http: requests.Session, list_page_wait_s: float) -> Step:
    """Each step a cycle of the list-page flow: a stocktake created and deleted, and another created,
    populated and approved (never the counters' own stocktake, which stays open). The deleted one is
    never the newest, so its id is not given out again (a database may reuse the highest id, and two
    stocktake-created events of one id would be told apart by their order alone). The first cycle
    waits, up to `list_page_wait_s`, for the list page to be open, so its events are heard."""
    mine = dataclasses.replace(ctx, _api=user_api(ctx.target, http))  # shares the run's stocktake sets
    first = [True]

    def cycle() -> None:
        if first[0]:
            first[0] = False
            with contextlib.suppress(TimedOut):
                wait_until(lambda: _list_page_open(ctx), list_page_wait_s, 0.1)
        doomed = mine.create_stocktake(populate=False)
        approved = mine.create_stocktake(populate=True)
        mine.call("supervisor", "approve", mine.api.approve(approved), stocktake_id=approved)
        mine.delete_stocktake(doomed, actor="supervisor")

    return cycle


def _list_page_open(ctx: FlowContext) -> bool:
    return any(listener.name.startswith("list-viewer-") and listener.recorder.ready for listener in ctx.fleet.listeners)


def intruder(ctx: FlowContext) -> Step | None:
    """The other hotel's user trying this hotel's lines (the two-hotels flow's attempt), or None
    when the run has no second hotel's token."""
    own_url, their_url = ctx.target.other_api(), ctx.target.other_api(url_hotel=ctx.target.hotel)
    return _intruder(ctx, own_url, their_url) if own_url and their_url else None
