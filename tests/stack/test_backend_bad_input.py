"""Every client mistake gets its 4xx with a field message, no event, and changes nothing."""

from __future__ import annotations

import pytest
import requests

from harness.api import ApiRequest, StocktakeApi
from harness.sim.stack import EmbeddedStack
from tests.support import api_for, fresh_stocktake


@pytest.fixture(scope="module")
def world(stocksync_stack: EmbeddedStack):
    api = api_for(stocksync_stack)
    sid = fresh_stocktake(api)
    line = api.send(api.list_lines(sid)).body[0]
    locked = fresh_stocktake(api)
    locked_line = api.send(api.list_lines(locked)).body[0]
    assert api.send(api.approve(locked)).status == 200
    return stocksync_stack, api, sid, line["id"], locked, locked_line["id"]


def _snapshot(stack: EmbeddedStack) -> tuple[list, int]:
    store = stack.backend.store
    return (
        store.all("SELECT * FROM line ORDER BY id")
        + store.all("SELECT * FROM stocktake ORDER BY id")
        + store.all("SELECT * FROM movement ORDER BY id"),
        stack.backend.commits.appended,
    )


CASES = [
    ("PATCH", "/stocktake-lines/{line}/", {"counted_full_units": "abc"}, 400, "counted_full_units"),
    ("PATCH", "/stocktake-lines/{line}/", {"counted_full_units": -1}, 400, "greater than or equal to 0"),
    ("PATCH", "/stocktake-lines/{line}/", {"counted_partial_units": 1e12}, 400, "less than or equal to"),
    ("PATCH", "/stocktake-lines/{line}/", {"counted_partial_units": "NaN"}, 400, "valid number"),
    ("PATCH", "/stocktake-lines/{line}/", {"counted_partial_units": True}, 400, "valid number"),
    ("PATCH", "/stocktake-lines/{line}/", {"counted_partial_units": "1.234"}, 400, "decimal places"),
    ("PATCH", "/stocktake-lines/{line}/", {}, 400, "Provide counted_full_units"),
    ("PATCH", "/stocktake-lines/{line}/", "[1]", 400, "JSON object"),
    ("PATCH", "/stocktake-lines/{line}/", "{not json", 400, "JSON parse error"),
    ("PATCH", "/stocktake-lines/{line}/", {"counted_full_units": 1, "socket_id": "abc"}, 400, "socket"),
    ("PATCH", "/stocktake-lines/999999/", {"counted_full_units": 1}, 404, "Not found"),
    ("PATCH", "/stocktake-lines/abc/", {"counted_full_units": 1}, 404, "Not found"),
    ("PATCH", "/stocktake-lines/%C2%B2/", {"counted_full_units": 1}, 404, "Not found"),
    ("PATCH", "/stocktake-lines/%D9%A3/", {"counted_full_units": 1}, 404, "Not found"),
    ("POST", "/stocktake-lines/{line}/add-movement/", {"movement_type": "THEFT", "quantity": 1}, 400, "movement_type"),
    (
        "POST",
        "/stocktake-lines/{line}/add-movement/",
        {"movement_type": "PURCHASE", "quantity": 0},
        400,
        "greater than 0",
    ),
    ("POST", "/stocktake-lines/{line}/add-movement/", {"movement_type": "WASTE"}, 400, "required"),
    ("POST", "/stocktake-lines/{line}/add-movement/", {"movement_type": "WASTE", "quantity": "x"}, 400, "quantity"),
    ("PATCH", "/stocktake-lines/{locked_line}/", {"counted_full_units": 1}, 409, "approved and locked"),
    (
        "POST",
        "/stocktake-lines/{locked_line}/add-movement/",
        {"movement_type": "PURCHASE", "quantity": 1},
        409,
        "approved and locked",
    ),
    ("POST", "/stocktakes/{locked}/approve/", None, 409, "approved and locked"),
    ("POST", "/stocktakes/{locked}/populate/", None, 409, "approved and locked"),
    ("POST", "/stocktakes/{sid}/populate/", None, 400, "already has"),
    ("POST", "/stocktakes/", "same period as {sid}", 400, "already exists"),
    ("POST", "/stocktakes/", {"period_start": "2031-13-01", "period_end": "2031-12-31"}, 400, "wrong format"),
    ("POST", "/stocktakes/", {"period_start": "2031-02-01", "period_end": "2031-01-01"}, 400, "must not be before"),
    ("POST", "/stocktakes/", {}, 400, "period_start"),
    ("GET", "/stocktake-lines/?stocktake=abc", None, 400, "valid integer"),
    ("GET", "/stocktake-lines/", None, 400, "required"),
    ("GET", "/stocktakes/424242/", None, 404, "Not found"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), CASES)
def test_bad_input_is_refused_and_changes_nothing(world, method, path, body, status, message) -> None:
    stack, api, sid, line, locked, locked_line = world
    url = api.root + path.format(sid=sid, line=line, locked=locked, locked_line=locked_line)
    before = _snapshot(stack)
    if body == "same period as {sid}":
        existing = api.send(api.get_stocktake(sid)).body
        body = {"period_start": existing["period_start"], "period_end": existing["period_end"]}
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    response = requests.request(method, url, headers={"Authorization": api._auth}, timeout=10, **kwargs)
    assert response.status_code == status, response.text
    assert message in response.text
    assert _snapshot(stack) == before


def test_missing_or_bad_token_is_401(world) -> None:
    stack, api, sid, line, *_ = world
    before = _snapshot(stack)
    for headers in ({}, {"Authorization": "Token wrong"}, {"Authorization": "Basic abc"}):
        response = requests.patch(
            f"{api.root}/stocktake-lines/{line}/", json={"counted_full_units": 1}, headers=headers, timeout=10
        )
        assert response.status_code == 401 and "token" in response.text.lower()
    assert _snapshot(stack) == before


def test_bearer_auth_is_accepted(world) -> None:
    stack, api, sid, *_ = world
    info = stack.ready_info()["api"]
    bearer = StocktakeApi(info["base_url"], info["hotel"], info["token"], auth_scheme="Bearer")
    assert bearer.send(bearer.get_stocktake(sid)).status == 200


def test_other_hotels_data_is_404_and_never_leaked(world) -> None:
    stack, api, sid, line, *_ = world
    intruder = api_for(stack, other=True)
    before = _snapshot(stack)
    for request in (
        intruder.get_stocktake(sid),
        intruder.get_line(line),
        intruder.list_lines(sid),
        intruder.patch_line(line, "9"),
        intruder.add_movement(line, "WASTE", "1"),
        intruder.approve(sid),
        intruder.delete_stocktake(sid),
    ):
        response = intruder.send(request)
        assert response.status == 404, (request, response.text)
        assert "D0030" not in response.text
    foreign_url = StocktakeApi(
        stack.ready_info()["api"]["base_url"], "hotel-killarney", stack.ready_info()["api"]["other_token"]
    )
    assert foreign_url.send(ApiRequest("GET", "/stocktakes/")).status == 404
    assert _snapshot(stack) == before
