"""compare(): what counts as a regression between two report.json files."""

from __future__ import annotations

from typing import Any

from harness.report.compare import compare


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
