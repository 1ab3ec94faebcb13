"""Request body validation for the simulator, answering the way Django REST framework does.

Pure functions: a body in, clean values out, or `Invalid` carrying DRF-style field
errors (`{"field": ["message"]}`) that the view returns as a 400.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_QUANTITY = Decimal("100000")
MOVEMENT_TYPES = ("PURCHASE", "WASTE", "TRANSFER_IN", "TRANSFER_OUT", "ADJUSTMENT")
COUNT_FIELDS = ("counted_full_units", "counted_partial_units")


class Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(json.dumps(errors))
        self.errors = errors


def json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise Invalid({"detail": [f"JSON parse error - {exc}"]}) from None
    if not isinstance(body, dict):
        raise Invalid({"detail": ["Expected a JSON object."]})
    return body


def decimal_field(
    body: dict[str, Any], name: str, places: int, *, allow_zero: bool = True, allow_negative: bool = False
) -> Decimal:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Invalid({name: ["A valid number is required."]})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid({name: ["A valid number is required."]}) from None
    if not number.is_finite():
        raise Invalid({name: ["A valid number is required."]})
    if number < 0 and not allow_negative:
        raise Invalid({name: ["Ensure this value is greater than or equal to 0."]})
    if number == 0 and not allow_zero:
        raise Invalid({name: ["Ensure this value is greater than 0."]})
    if abs(number) > MAX_QUANTITY:
        raise Invalid({name: [f"Ensure this value is less than or equal to {MAX_QUANTITY}."]})
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise Invalid({name: [f"Ensure that there are no more than {places} decimal places."]})
    return number


def line_counts(body: dict[str, Any], allow_negative: bool = False) -> dict[str, Decimal]:
    present = [name for name in COUNT_FIELDS if name in body]
    if not present:
        raise Invalid({"non_field_errors": ["Provide counted_full_units and/or counted_partial_units."]})
    return {name: decimal_field(body, name, 2, allow_negative=allow_negative) for name in present}


def movement(body: dict[str, Any]) -> tuple[str, Decimal]:
    kind = body.get("movement_type")
    if kind not in MOVEMENT_TYPES:
        raise Invalid({"movement_type": [f'"{kind}" is not a valid choice; use one of {", ".join(MOVEMENT_TYPES)}.']})
    negative_ok = kind == "ADJUSTMENT"
    if "quantity" not in body:
        raise Invalid({"quantity": ["This field is required."]})
    return kind, decimal_field(body, "quantity", 4, allow_zero=False, allow_negative=negative_ok)


def _date(body: dict[str, Any], name: str) -> dt.date:
    value = body.get(name)
    if not isinstance(value, str):
        raise Invalid({name: ["This field is required (YYYY-MM-DD)."]})
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid({name: ["Date has wrong format. Use YYYY-MM-DD."]}) from None


def period(body: dict[str, Any]) -> tuple[str, str]:
    start, end = _date(body, "period_start"), _date(body, "period_end")
    if end < start:
        raise Invalid({"period_end": ["period_end must not be before period_start."]})
    return start.isoformat(), end.isoformat()


def positive_id(raw: str) -> int | None:
    """Path and query ids; None means 'not an id', which the view answers with 404. ASCII digits
    only: `str.isdigit` also accepts superscripts and other scripts' digits, which `int` refuses."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
