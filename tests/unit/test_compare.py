"""compare(): what counts as a regression between two report.json files."""

from __future__ import annotations

import math
from typing import Any

import pytest

from harness.errors import UsageError
from harness.report.compare import compare, readable


def _report(
    verdict: str = "PASS", p99: float = 10.0, deliveries: int = 2000, p50: float = 5.0, **checks: tuple[int, int]
) -> dict[str, Any]:
    return {
        "verdict": verdict,
        "checks": [{"name": name, "count": count, "judged": judged} for name, (count, judged) in checks.items()],
        "latency": {"all": {"count": deliveries, "p50": p50, "p90": p50, "p95": p50, "p99": p99}},
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


def test_a_p99_over_few_deliveries_is_not_blamed_for_chance_but_the_percentile_they_support_is() -> None:
    """A staging run's 110 deliveries put one above the p99: two healthy runs' p99s of 19.7 and
    41.9 ms once failed a merge request. The median moved by 300 ms is a real slowdown."""
    chance = compare(_report(p99=19.7, deliveries=110), _report(p99=41.9, deliveries=110), 1.0)
    assert [(c.what, c.regression) for c in chance] == []
    slower = compare(_report(deliveries=110, p50=8.0), _report(deliveries=110, p50=300.0), 1.0)
    assert [(c.what, c.before, c.after, c.regression) for c in slower] == [
        ("p50 latency ms (too few deliveries for a steady p99)", 8.0, 300.0, True)
    ]
    assert [c.regression for c in compare(_report(p99=19.7), _report(p99=41.9), 1.0)] == [True]


@pytest.mark.parametrize(
    ("deliveries", "compared"), [(2000, "p99"), (1999, "p95"), (400, "p95"), (399, "p90"), (200, "p90"), (199, "p50")]
)
def test_each_percentile_is_compared_from_the_deliveries_that_put_20_above_it(deliveries: int, compared: str) -> None:
    old = {"verdict": "PASS", "checks": [], "latency": {"all": {"count": deliveries, "p50": 1.0, "p90": 2.0,
                                                                "p95": 3.0, "p99": 4.0}}}  # fmt: skip
    new = {**old, "latency": {"all": {"count": deliveries, "p50": 101.0, "p90": 102.0, "p95": 103.0, "p99": 104.0}}}
    assert [(c.what.split()[0], c.regression) for c in compare(old, new)] == [(compared, True)]


def test_latency_over_too_few_deliveries_is_shown_and_never_a_regression() -> None:
    changes = compare(_report(p99=10.0, deliveries=39, p50=5.0), _report(p99=900.0, deliveries=400, p50=800.0))
    assert [(c.what, c.before, c.after, c.regression) for c in changes] == [
        (
            "p99 latency ms, not compared: 39 and 400 deliveries (a percentile needs 20 above it in each run)",
            10.0,
            900.0,
            False,
        )
    ]


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
