"""A text whose ids or counted figures are JSON lists or objects (a backend's serializer gone wrong) is
judged like any other wrong text, by the final check and the live check alike: never a crash, which
in a Locust worker would stop its live rows and keep its history from the master."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.checks import check
from harness.checks.live import LiveCheck
from harness.record.history import HistoryData
from harness.spec.contract import Contract
from harness.testing import following
from tests.histories import LINE, event_text, healthy, replace_receipt
from tests.unit.test_payload_parse import JSON_VALUES


def _received(**text: Any) -> HistoryData:
    history = copy.deepcopy(healthy())
    replace_receipt(history, data=event_text({**LINE, **text.pop("line", {})}, **text))
    return history


def _both(history: HistoryData) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(final, live) findings as (name, severity), sorted."""
    recorder = following(history)
    live = LiveCheck(Contract(), 1.0, recorder)
    live.update(recorder, None)
    named = [
        sorted((f.name, f.severity) for f in found) for found in (check(history, Contract()).findings, live.findings)
    ]
    return named[0], named[1]


@pytest.mark.parametrize(
    "text",
    [{"line": {"counted_full_units": ["2.00"]}}, {"line": {"counted_partial_units": {"x": 1}}}],
    ids=["a-list-count", "an-object-count"],
)
def test_a_count_given_as_a_list_or_an_object_is_a_payload_mismatch(text: dict[str, Any]) -> None:
    final, live = _both(_received(**text))
    assert ("payload-mismatch", "error") in final
    assert live == [f for f in final if f[0] != "divergence"]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["line_id", "line.id", "line.counted_full_units", "line.counted_partial_units"]),
    JSON_VALUES,
)
def test_any_json_in_an_id_or_a_count_is_judged_alike_live_and_final(field: str, value: Any) -> None:
    text: dict[str, Any] = {"line": {field.split(".")[1]: value}} if "." in field else {field: value}
    final, live = _both(_received(**text))
    assert live == [f for f in final if f[0] != "divergence"]
