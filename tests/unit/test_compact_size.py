"""A payload's size is what `json.dumps` with compact separators makes of it (`sizes.compact_size`,
which runs that same C encoder made once): for any value read from JSON, floats, NaN and text that
must be escaped included."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given

from harness.checks.sizes import compact_size
from tests.unit.test_payload_parse import JSON_VALUES


@given(JSON_VALUES)
def test_a_value_s_size_is_its_compact_json_s_length(value: Any) -> None:
    assert compact_size(value) == len(json.dumps(value, separators=(",", ":")))


def test_the_sizes_that_other_encoders_write_otherwise_are_json_s() -> None:
    """Exponents, NaN and infinity, and DEL: where msgspec's text is shorter or longer than json's."""
    for value in (1e16, 1e-05, float("nan"), float("-inf"), "\x7f", "é", {"n": 2**70}):
        assert compact_size(value) == len(json.dumps(value, separators=(",", ":"))), value
