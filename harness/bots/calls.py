"""Every HTTP call the harness makes, recorded as an operation: invoke, then ok/fail/info."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ..api import TRANSPORT_ERRORS, ApiRequest, StocktakeApi
from ..record.history import History, Operation


def _sent(request: ApiRequest) -> Any:
    """What the request carried: its JSON body, or a raw body as JSON when it parses (probes)."""
    if request.raw is None:
        return request.body
    try:
        return json.loads(request.raw)
    except ValueError:
        return request.raw


def perform(
    history: History,
    api: StocktakeApi,
    actor: str,
    kind: str,
    request: ApiRequest,
    *,
    hotel: str | None = None,
    **context: Any,
) -> Operation:
    """`hotel` is whose data the call touches (default: the URL's); the actor's own hotel is that of
    the client's credentials, never taken from the URL it calls, so a user of one hotel reaching
    another's data through that hotel's URL is still judged cross-hotel. `context` (stocktake_id,
    line_id, expect) ties the operation to its events and says what the run counts on."""
    op = history.invoke(
        actor,
        kind,
        hotel or api.hotel,
        {"method": request.method, "path": request.path, "body": _sent(request), **context},
        request.socket_id,
        actor_hotel=api.identity,
    )
    try:
        response = api.send(dataclasses.replace(request, operation=op.id))
    except TRANSPORT_ERRORS as exc:
        return history.complete(op, None, None, f"{type(exc).__name__}: {exc}")
    return history.complete(op, response.status, response.body)
