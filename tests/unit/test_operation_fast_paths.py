"""The final check's shortcuts over operations find what taking every operation one at a time finds:
each is held to the general path on operations drawn from every shape the checks tell apart (failed,
unanswered, another hotel's, probes and their re-reads, approvals and the writes they lock)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.checks.access import AccessCheck, Approvals
from harness.record.history import Operation

KINDS = ("patch_line", "add_movement", "approve", "create_stocktake", "delete_stocktake", "list_stocktakes")
REQUESTS = st.fixed_dictionaries(
    {},
    optional={
        "stocktake_id": st.sampled_from([1, 2, None]),
        "expect": st.sampled_from(["success", "refusal"]),
        "probe": st.just("negative"),
        "reread_of": st.sampled_from([0, 1, 2, None]),
        "body": st.just({"counted_full_units": "-1"}),
    },
)
ANSWERS = st.sampled_from([("ok", 200), ("ok", 201), ("fail", 400), ("fail", 409), ("fail", 500), ("info", None)])


@st.composite
def operations(draw: Any) -> list[Operation]:
    out = []
    for op_id in range(draw(st.integers(0, 12))):
        kind_, status = draw(ANSWERS)
        invoke = float(op_id)
        out.append(
            Operation(
                op_id,
                "counter-1",
                draw(st.sampled_from(KINDS)),
                "hotel-a",
                draw(st.sampled_from(["hotel-a", "hotel-a", "hotel-b"])),
                draw(REQUESTS),
                "1.1",
                invoke,
                kind_,
                None if kind_ == "info" else invoke + 0.5,
                status,
                draw(st.sampled_from([None, {"id": 1, "stocktake": 1}, {"detail": "no"}, [{"id": 1}]])),
                "timeout" if kind_ == "info" else None,
            )
        )
    return out


def _noted(ops: list[Operation]) -> Approvals:
    approvals = Approvals()
    for op in ops:
        approvals.note(op)
    return approvals


@settings(max_examples=300, deadline=None)
@given(operations())
def test_access_take_all_finds_what_take_finds(ops: list[Operation]) -> None:
    one_by_one = AccessCheck(_noted(ops))
    for op in ops:
        one_by_one.take(op)
    at_once = AccessCheck(_noted(ops))
    at_once.take_all(ops)
    assert at_once.found == one_by_one.found
    assert +at_once.judged == +one_by_one.judged
