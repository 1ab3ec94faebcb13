"""Every HTTP call the harness makes, recorded as an operation: invoke, then ok/fail/info."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..api import TRANSPORT_ERRORS, ApiRequest, StocktakeApi
from ..history import History, Operation


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
    """`hotel` is whose data the call touches (default: the URL's); the actor's own hotel is the
    API client's. `context` (stocktake_id, line_id) ties the operation to its events."""
    op = history.invoke(
        actor,
        kind,
        hotel or api.hotel,
        {"method": request.method, "path": request.path, "body": request.body, **context},
        request.socket_id,
        actor_hotel=api.hotel,
    )
    try:
        response = api.send(dataclasses.replace(request, operation=op.id))
    except TRANSPORT_ERRORS as exc:
        return history.complete(op, None, None, f"{type(exc).__name__}: {exc}")
    return history.complete(op, response.status, response.body)
