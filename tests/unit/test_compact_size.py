"""A payload's size is what `json.dumps` with compact separators makes of it (`sizes.compact_size`,
which runs that same C encoder made once): for any value read from JSON, floats, NaN and text that
must be escaped included."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import given

from harness.checks.sizes import ESCAPED_MOST, at_most, compact_size
from tests.unit.test_payload_parse import JSON_VALUES


@given(JSON_VALUES)
def test_a_value_s_size_is_its_compact_json_s_length(value: Any) -> None:
    assert compact_size(value) == len(json.dumps(value, separators=(",", ":")))


def test_the_sizes_that_other_encoders_write_otherwise_are_json_s() -> None:
    """Exponents, NaN and infinity, and DEL: where msgspec's text is shorter or longer than json's."""
    for value in (1e16, 1e-05, float("nan"), float("-inf"), "\x7f", "é", {"n": 2**70}):
        assert compact_size(value) == len(json.dumps(value, separators=(",", ":"))), value


@given(JSON_VALUES)
def test_msgspec_s_text_bounds_json_s_so_at_most_tells_as_the_size_does(value: Any) -> None:
    """`at_most` answers from msgspec's text only under ESCAPED_MOST: the bound must hold for any value."""
    size = compact_size(value)
    try:
        assert size <= ESCAPED_MOST * len(msgspec.json.encode(value))
    except (TypeError, ValueError, OverflowError):
        pass  # msgspec does not write it: `at_most` asks json
    for most in (0, size - 1, size, ESCAPED_MOST * size, 8192):
        assert at_most(value, most) == (size <= most)


def test_what_msgspec_writes_shortest_against_json_is_still_bounded() -> None:
    for value in ("\x7f" * 50, 1e16, 1e-07, float("-inf"), "\U0001f600", "\ud800", {1.5: 2}, {True: 1}, [2**70]):
        size = compact_size(value)
        assert at_most(value, size) and not at_most(value, size - 1), value
