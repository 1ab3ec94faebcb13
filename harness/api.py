"""Typed client of the stock_tracker HTTP API.

Each method builds an `ApiRequest` value (pure, testable without a network) and hands
it to `send`, which is the only place that touches requests. Client errors come back
as responses, not exceptions: a refused write is a result the harness records.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec
import requests

TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout)


def _json(content: bytes) -> Any:
    """msgspec first: a run keeps every answer, and it shares the keys of a thousand line objects (a
    third less memory each than the standard parser's); the standard parser for what strict JSON
    refuses but Python's `json.dumps` writes (NaN)."""
    try:
        return msgspec.json.decode(content)
    except msgspec.DecodeError:
        return json.loads(content.decode("utf-8", errors="replace"))


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    body: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    socket_id: str | None = None
    operation: int | None = None  # the history's operation id, sent along so a simulator can log its faults by it
    raw: str | None = None  # a body sent as is (with `content_type`) instead of `body` as JSON: bad-input probes
    content_type: str = "application/json"

    @property
    def route(self) -> str:
        """The path with ids as `{id}`: one stats row per endpoint, not per line."""
        return "/".join("{id}" if part.isdigit() else part for part in self.path.split("/"))


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
EXCEPTION_VALUE = re.compile(r'<pre class="exception_value">(.*?)</pre>', re.I | re.S)
"""Django's DEBUG page says the exception's message there; its title names only the exception's type."""


def readable(status: int, content_type: str, text: str) -> str:
    """A body that is not JSON, in words a report can show: an HTML error page by its <title> (and a
    Django DEBUG page's exception message), anything else by its first 200 characters (a Django 500
    page is 70 KB of HTML)."""
    kind = content_type.split(";")[0].strip() or "no content type"
    title, value = TITLE.search(text), EXCEPTION_VALUE.search(text)
    shown = " ".join(title[1].split()) if title else " ".join(text.split())[:200]
    if value:
        shown += ": " + " ".join(html.unescape(value[1]).split())[:200]
    return f"{status} {kind}: {shown}"


class StocktakeApi:
    def __init__(
        self,
        base_url: str,
        hotel: str,
        token: str,
        *,
        auth_scheme: str = "Token",
        timeout: float = 15.0,
        session: requests.Session | None = None,
        label_routes: bool = False,
        identity: str | None = None,
    ) -> None:
        """`session` may be Locust's HttpSession (a requests.Session); `label_routes` then names each
        request by its route so Locust's stats group them."""
        self.root = f"{base_url.rstrip('/')}/{hotel}"
        self.hotel = hotel
        self.identity = identity or hotel  # the hotel of the credentials, whatever hotel the URL names
        self._auth = f"{auth_scheme} {token}"
        self.timeout = timeout
        self.session = session or requests.Session()
        self.label_routes = label_routes

    def send(self, request: ApiRequest) -> ApiResponse:
        """Raises only requests' transport errors (no answer); every HTTP status is returned."""
        headers = {"Authorization": self._auth, "Accept": "application/json"}
        if request.socket_id:
            headers["X-Socket-ID"] = request.socket_id
        if request.operation is not None:
            headers["X-Stocksync-Operation"] = str(request.operation)
        label: dict[str, Any] = {"name": f"{request.method} {request.route}"} if self.label_routes else {}
        sent: dict[str, Any] = {"json": request.body} if request.raw is None else {"data": request.raw.encode()}
        if request.raw is not None:
            headers["Content-Type"] = request.content_type
        response = self.session.request(
            request.method,
            self.root + request.path,
            **sent,
            params=request.params or None,
            headers=headers,
            timeout=self.timeout,
            **label,
        )
        try:
            body = _json(response.content) if response.content else None
        except json.JSONDecodeError:
            body = readable(response.status_code, response.headers.get("Content-Type", ""), response.text)
        return ApiResponse(response.status_code, body, response.text[:2000])

    @staticmethod
    def list_stocktakes() -> ApiRequest:
        return ApiRequest("GET", "/stocktakes/")

    @staticmethod
    def create_stocktake(period_start: str, period_end: str, socket_id: str | None = None) -> ApiRequest:
        return ApiRequest(
            "POST", "/stocktakes/", {"period_start": period_start, "period_end": period_end}, socket_id=socket_id
        )

    @staticmethod
    def get_stocktake(stocktake_id: int) -> ApiRequest:
        return ApiRequest("GET", f"/stocktakes/{stocktake_id}/")

    @staticmethod
    def delete_stocktake(stocktake_id: int, socket_id: str | None = None) -> ApiRequest:
        return ApiRequest("DELETE", f"/stocktakes/{stocktake_id}/", socket_id=socket_id)

    @staticmethod
    def populate(stocktake_id: int, socket_id: str | None = None) -> ApiRequest:
        return ApiRequest("POST", f"/stocktakes/{stocktake_id}/populate/", socket_id=socket_id)

    @staticmethod
    def approve(stocktake_id: int, socket_id: str | None = None) -> ApiRequest:
        return ApiRequest("POST", f"/stocktakes/{stocktake_id}/approve/", socket_id=socket_id)

    @staticmethod
    def list_lines(stocktake_id: int) -> ApiRequest:
        return ApiRequest("GET", "/stocktake-lines/", params={"stocktake": str(stocktake_id)})

    @staticmethod
    def get_line(line_id: int) -> ApiRequest:
        return ApiRequest("GET", f"/stocktake-lines/{line_id}/")

    @staticmethod
    def patch_line(
        line_id: int, full_units: str | None = None, partial_units: str | None = None, socket_id: str | None = None
    ) -> ApiRequest:
        body = {
            k: v
            for k, v in (("counted_full_units", full_units), ("counted_partial_units", partial_units))
            if v is not None
        }
        return ApiRequest("PATCH", f"/stocktake-lines/{line_id}/", body, socket_id=socket_id)

    @staticmethod
    def add_movement(line_id: int, movement_type: str, quantity: str, socket_id: str | None = None) -> ApiRequest:
        return ApiRequest(
            "POST",
            f"/stocktake-lines/{line_id}/add-movement/",
            {"movement_type": movement_type, "quantity": quantity},
            socket_id=socket_id,
        )
