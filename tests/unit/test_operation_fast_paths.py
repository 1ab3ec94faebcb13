"""The final check's shortcuts over operations find what taking every operation one at a time finds:
each is held to the general path on operations drawn from every shape the checks tell apart (failed,
unanswered, another hotel's, probes and their re-reads, approvals and the writes they lock)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.checks.access import AccessCheck, Approvals
from harness.checks.model import entity, fingerprint, line_id_of, read_text
from harness.checks.over_operations import OperationChecks
from harness.checks.routing import clean_texts
from harness.checks.sizes import MAX_EVENT_BYTES
from harness.checks.writes import WriteShare, counted_on
from harness.record.history import HistoryData, Operation
from harness.spec.contract import Contract

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
LOGICAL = [None, "line-counted-updated", "line-movement-added", "stocktake-created", "stocktake-status-changed"]
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


JSON_IDS = st.one_of(st.none(), st.integers(-2, 3), st.text(max_size=2))
LINES = st.one_of(
    st.none(), st.integers(), st.fixed_dictionaries({}, optional={"id": JSON_IDS, "counted_full_units": JSON_IDS})
)
LINE_TEXTS = st.fixed_dictionaries({}, optional={"line_id": JSON_IDS, "line": LINES, "stocktake_id": JSON_IDS})


@settings(max_examples=300, deadline=None)
@given(st.one_of(LINE_TEXTS, st.lists(st.integers(), max_size=2), st.integers()), st.sampled_from(LOGICAL))
def test_a_text_reads_as_entity_fingerprint_and_line_id_say(data: Any, logical: str | None) -> None:
    """`read_text` finds a line event's line once for its entity and its line id: as each says apart."""
    raw = json.dumps(data)
    line = data.get("line") if isinstance(data, dict) else None
    apart = (data, entity(logical, data), fingerprint(logical, line) if isinstance(data, dict) else None,
             line_id_of(logical, data))  # fmt: skip
    assert read_text(logical, raw) == apart


@given(st.sampled_from(["a", "\u00e9", "\u20ac", "\U0001f600"]), st.integers(1000, 11000))
@settings(max_examples=50, deadline=None)
def test_a_text_is_sized_in_bytes(character: str, repeated: int) -> None:
    """Routing sizes a text as sent (UTF-8), told without encoding it only when it is ASCII."""
    raw = json.dumps({"line_id": 1, "item_sku": "D0030", "pad": character * repeated}, ensure_ascii=False)
    fits, _ = clean_texts(Contract(), "line-counted-updated", "hotel-a-stocktake-1", [(raw, json.loads(raw))])
    assert fits == [len(raw.encode()) <= MAX_EVENT_BYTES]


@settings(max_examples=300, deadline=None)
@given(operations())
def test_the_share_refusals_count_is_the_verdicts(ops: list[Operation]) -> None:
    """The verdict takes the share of writes that succeeded from writes-refused's count, as it would
    count it from the history itself (`counted_on`)."""
    history = HistoryData(operations=ops)
    checks = OperationChecks()
    checks.judge(ops, set(), False)
    attempted = counted_on(history)
    assert checks.refusals.share() == WriteShare(sum(op.ok for op in attempted), len(attempted))


@settings(max_examples=300, deadline=None)
@given(operations(), st.randoms(use_true_random=False))
def test_refusals_are_told_alike_whatever_order_the_writes_are_taken_in(ops: list[Operation], rng: Any) -> None:
    """Whatever order the writes are taken in (a history merged from several processes holds each one's
    in its own order), each writes-refused names the same first write, its samples and times. Before,
    it named the first taken (a sweep of the drivers' agreement found live and final apart)."""
    shuffled = list(ops)
    rng.shuffle(shuffled)
    found = []
    for order in (ops, shuffled):
        checks = OperationChecks()
        checks.judge(order, set(), False)
        found.append(checks.refusals.findings(Counter()))
    assert found[0] == found[1]
