"""`findings.payload_differs`, the columnar engine's question of each (write, text) pair, answers as
`payload_diff` does: any difference at all, for any JSON the two sides may hold."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.checks.findings import payload_diff, payload_differs
from tests.unit.test_payload_parse import JSON_VALUES

LINE = {"id": 3, "stocktake": 7, "item_sku": "S3", "counted_full_units": "1"}


@given(JSON_VALUES, JSON_VALUES)
def test_it_says_what_payload_diff_says(expected: Any, actual: Any) -> None:
    assert payload_differs(expected, actual) == bool(payload_diff(expected, actual))


@given(st.dictionaries(st.text(max_size=3), JSON_VALUES, max_size=3), st.dictionaries(st.text(max_size=3), JSON_VALUES))
def test_an_event_holding_the_response_and_more_says_what_payload_diff_says(expected: Any, more: Any) -> None:
    actual = {**more, **copy.deepcopy(expected)}
    assert payload_differs(expected, actual) == bool(payload_diff(expected, actual))


def test_a_line_event_that_lacks_a_field_or_changes_one_differs() -> None:
    expected = {"line": LINE}
    assert not payload_differs(expected, {"line_id": 3, "item_sku": "S3", "line": dict(LINE)})
    assert payload_differs(expected, {"line_id": 3, "line": {**LINE, "counted_full_units": "2"}})
    assert payload_differs(expected, {"line_id": 3, "line": {k: v for k, v in LINE.items() if k != "item_sku"}})
    assert payload_differs(expected, {"line_id": 3})
    assert payload_differs({"line": LINE, "n": float("nan")}, {"line": LINE, "n": float("nan")})
    nan = float("nan")
    assert payload_differs({"n": nan}, {"n": nan, "m": None}), "the very NaN is no more equal to itself"
