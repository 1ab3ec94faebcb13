"""compare(): what counts as a regression between two report.json files."""

from __future__ import annotations

import math
from typing import Any

import pytest

from harness.errors import UsageError
from harness.report.compare import compare, readable


def _report(verdict: str = "PASS", p99: float = 10.0, **checks: tuple[int, int]) -> dict[str, Any]:
    return {
        "verdict": verdict,
        "checks": [{"name": name, "count": count, "judged": judged} for name, (count, judged) in checks.items()],
        "latency": {"all": {"count": 100, "p99": p99}},
    }


def test_nothing_changed_is_no_regression() -> None:
    assert compare(_report(**{"missing-event": (0, 10)}), _report(**{"missing-event": (0, 10)})) == []


def test_each_kind_of_regression() -> None:
    old = _report("PASS", 10.0, **{"missing-event": (0, 10), "cross-hotel-access": (0, 4)})
    new = _report("FAIL", 40.0, **{"missing-event": (2, 10), "cross-hotel-access": (0, 0)})
    worse = {c.what for c in compare(old, new) if c.regression}
    assert worse == {"verdict", "missing-event findings", "cross-hotel-access judged", "p99 latency ms"}


def test_small_or_better_changes_are_not_regressions() -> None:
    old = _report("FAIL", 10.0, **{"missing-event": (3, 10)})
    new = _report("PASS", 13.0, **{"missing-event": (0, 10)})
    assert [c for c in compare(old, new) if c.regression] == []


@pytest.mark.parametrize("rise", [math.nan, math.inf, -0.1])
def test_a_threshold_that_is_not_a_finite_share_is_refused(rise: float) -> None:
    """nan compares false with everything, so a p99 rise from 13.8 to 900 ms once read "no regression"."""
    with pytest.raises(UsageError, match="finite"):
        compare(_report(p99=13.8), _report(p99=900.0), rise)


def test_a_report_without_checks_is_neither_a_baseline_nor_a_candidate() -> None:
    for empty in ({"verdict": "PASS"}, {"verdict": "PASS", "checks": []}):
        with pytest.raises(UsageError, match="new.json: a report without checks"):
            readable(empty, "new.json")
    good = _report(**{"missing-event": (0, 10)})
    assert readable(good, "old.json") == good


def test_a_wrongly_typed_report_is_refused_naming_the_field() -> None:
    report = _report(**{"missing-event": (0, 10)})
    report["latency"]["all"]["p99"] = "fast"
    with pytest.raises(UsageError, match=r"r\.json: latency\.all\.p99"):
        readable(report, "r.json")
