"""The checker's page model keeps only each line's last update; it must end where replaying every
update in time order, as the contract's React code does, ends."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.checks.page_model import FrontendView

LINES = [{"id": i, "counted_full_units": "0.00"} for i in (1, 2, 3)]

line = st.fixed_dictionaries({"id": st.integers(0, 4), "counted_full_units": st.sampled_from(["1.00", "2.00", "3.00"])})
payload = st.one_of(
    st.fixed_dictionaries({"line": line}),
    st.fixed_dictionaries({"line_id": st.integers(0, 4), "line": line}),
    st.fixed_dictionaries({"line_id": st.integers(0, 4), "line": st.just("not a line")}),
    st.just("not an object"),
)
updates = st.lists(st.tuples(st.sampled_from([1.0, 2.0, 2.0, 3.0]), payload), max_size=30)


def replayed(given_updates: list[tuple[float, Any]]) -> dict[Any, Any]:
    lines = {ln["id"]: ln for ln in LINES}
    for _, data in sorted(given_updates, key=lambda u: u[0]):
        if isinstance(data, dict) and isinstance(data.get("line"), dict):
            target = data.get("line_id", data["line"].get("id"))
            if target in lines:
                lines[target] = data["line"]
    return lines


@given(updates)
def test_last_update_per_line_equals_a_full_replay(given_updates: list[tuple[float, Any]]) -> None:
    view = FrontendView(LINES)
    view.apply_latest(given_updates)
    assert view.lines == replayed(given_updates)


def test_ties_go_to_the_later_given_and_strangers_are_ignored() -> None:
    view = FrontendView(LINES)
    first, second = {"id": 1, "counted_full_units": "1.00"}, {"id": 1, "counted_full_units": "2.00"}
    view.apply_latest([(5.0, {"line": first}), (5.0, {"line": second}), (1.0, {"line": {"id": 9}})])
    assert view.lines[1] is second and 9 not in view.lines
