"""`parts.joined` keeps each change's slowest delivery as the largest of every part's, and never below
zero: a first part copied whole keeps exactly what taking the largest one by one keeps."""

from __future__ import annotations

from harness.checks.parts import Part, joined


def _part(slowest: dict[tuple[int, str], float]) -> Part:
    part = Part()
    part.slowest = slowest
    return part


def test_the_slowest_of_each_change_is_the_largest_of_the_parts_and_never_below_zero() -> None:
    first = _part({(1, "e"): 0.25, (2, "e"): 0.5})
    second = _part({(2, "e"): 0.75, (3, "e"): -0.5})
    assert joined([first, second]).slowest == {(1, "e"): 0.25, (2, "e"): 0.75, (3, "e"): 0.0}
    assert joined([second, first]).slowest == {(1, "e"): 0.25, (2, "e"): 0.75, (3, "e"): 0.0}


def test_a_first_part_with_a_latency_below_zero_or_not_a_number_is_taken_as_the_largest_one_by_one() -> None:
    assert joined([_part({(1, "e"): -0.5, (2, "e"): 1.0})]).slowest == {(1, "e"): 0.0, (2, "e"): 1.0}
    nan = float("nan")
    assert joined([_part({(1, "e"): nan, (2, "e"): -1.0})]).slowest[(2, "e")] == 0.0
    assert joined([_part({(1, "e"): 1.0, (2, "e"): nan, (3, "e"): -1.0})]).slowest[(3, "e")] == 0.0
