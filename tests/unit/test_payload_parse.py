"""A delivered text means what `json.loads` says it means, whichever parser reads it (`model.parsed`)."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.checks.model import parsed

_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
JSON_VALUES = st.recursive(
    _LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
)


def _same(a: Any, b: Any) -> bool:
    """Equal, of the same types throughout, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@given(JSON_VALUES)
def test_any_json_python_writes_reads_as_json_loads_reads_it(value: Any) -> None:
    text = json.dumps(value)
    assert _same(parsed(text), _loads(text))


@given(st.text(alphabet='{}[]":,0123456789.eE-+ntrufalsNIiy\\ud\x01 ', max_size=30))
def test_any_text_reads_as_json_loads_reads_it(text: str) -> None:
    assert _same(parsed(text), _loads(text))


def test_what_msgspec_refuses_and_json_loads_takes_is_still_read() -> None:
    assert math.isnan(parsed('{"a": NaN}')["a"])
    assert parsed("1e400") == math.inf
    assert parsed('"\\ud800"') == "\ud800"
    assert parsed('{"a": 1} trailing') is None
