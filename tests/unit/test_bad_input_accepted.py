"""bad-input-accepted: a probe that must be refused was answered 2xx, told with what its re-read shows;
a refused probe, or one a backend may take, is judged and silent."""

from __future__ import annotations

import copy

from harness.checks import check
from harness.spec.contract import Contract
from tests.histories import LINE, bad_input_accepted, healthy, patch_op


def _accepted(h) -> list:
    return [f for f in check(h, Contract()).findings if f.name == "bad-input-accepted"]


def _probe(status: int, expect: str = "refusal", kind: str = "patch_line"):
    h = copy.deepcopy(healthy())
    request = {"stocktake_id": 5, "line_id": LINE["id"], "body": {"counted_partial_units": -1}, "probe": "negative",
               "expect": expect}  # fmt: skip
    h.operations.append(
        patch_op(
            10,
            LINE,
            4.0,
            kind=kind,
            type="ok" if status < 300 else "fail",
            status=status,
            request=request,
            body={"detail": "no"},
        )
    )
    return h


def test_the_finding_names_the_probe_and_what_the_reread_shows() -> None:
    h = copy.deepcopy(healthy())
    bad_input_accepted(h)
    (found,) = _accepted(h)
    assert found.operation == 10 and found.actual == {"counted_partial_units": "-1.00"}
    assert "probe negative (a negative count) was answered 200" in found.message


def test_without_its_reread_the_finding_says_what_it_could_not_see() -> None:
    h = copy.deepcopy(healthy())
    bad_input_accepted(h)
    h.operations = [op for op in h.operations if op.id != 11]
    (found,) = _accepted(h)
    assert found.message.endswith("what it stored could not be re-read")


def test_a_refused_probe_is_judged_and_silent() -> None:
    result = check(_probe(400), Contract())
    assert result.judged["bad-input-accepted"] == 1
    assert not [f for f in result.findings if f.name == "bad-input-accepted"]


def test_a_probe_a_backend_may_take_is_not_judged_for_acceptance() -> None:
    result = check(_probe(201, expect="no-server-error", kind="add_movement"), Contract())
    assert result.judged["bad-input-accepted"] == 0
