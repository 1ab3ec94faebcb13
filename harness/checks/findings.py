"""Findings: the evidence each one carries, named after its rule (`rules.py`, docs/findings.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .rules import RULES, of_severity

NAMES: dict[str, str] = {name: rule.meaning for name, rule in RULES.items()}
WARNINGS = of_severity("warning")
INCONCLUSIVE = of_severity("inconclusive")
"""Findings about the harness's own blindness: the run proves nothing, which is not the backend's failure."""


@dataclass(frozen=True)
class Finding:
    name: str
    message: str
    channel: str | None = None
    event: str | None = None
    operation: int | None = None
    listener: str | None = None
    expected: Any = None
    actual: Any = None
    diff: list[str] = field(default_factory=list)
    times: dict[str, float] = field(default_factory=dict)
    warning: bool = False
    cause: str | None = None
    """The finding that explains this one, in a few words (a stale payload behind a self-echo, a 500
    before a missing event, an injected fault): a consequence is shown under its cause, never told as
    a defect of its own."""

    @property
    def severity(self) -> str:
        """Warnings are reported but pass the run (a planned disconnect's gap, public channels);
        an inconclusive finding keeps it from passing without failing it."""
        weight = RULES[self.name].severity if self.name in RULES else "error"
        if weight == "inconclusive":
            return weight
        return "warning" if self.warning or weight == "warning" else "error"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("warning")
        return {"severity": self.severity, **out}


def diff(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Field-level differences of values present on both sides (absent fields are a view problem)."""
    if expected == actual:
        return []
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key, value in expected.items():
            if key in actual and actual[key] != value:
                out.extend(diff(value, actual[key], f"{path}.{key}" if path else str(key)))
        return out
    return [f"{path or '<data>'}: expected {expected!r}, got {actual!r}"]


def missing_fields(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    return [key for key in expected if key not in actual]


def payload_diff(expected: Any, actual: Any) -> list[str]:
    """An event's differences from the HTTP response it reflects: `diff`, and every field of the
    response's line that the event's line lacks. The contract's frontend replaces the whole line with
    the event's, so an absent field is lost from every page, even if a later event brings it back."""
    out = diff(expected, actual)
    line = expected.get("line") if isinstance(expected, dict) else None
    if not isinstance(line, dict) or not isinstance(actual, dict):
        return out
    carried = actual.get("line")
    if "line" not in actual:
        out.append("line: expected the line, got no such field")
    elif isinstance(carried, dict):
        out += [f"line.{key}: expected {line[key]!r}, got no such field" for key in missing_fields(line, carried)]
    return out


def payload_differs(expected: Any, actual: Any) -> bool:
    """Whether `payload_diff` finds a difference. An event holding every field of the response, each
    equal, has none (its line, equal to the response's, lacks none of its fields): told without
    building either list, as the columnar engine asks of every write it pairs with a text. But for a
    NaN: the items' test finds the very same one equal to itself, where `diff`'s `!=` does not."""
    if (
        isinstance(expected, dict)
        and isinstance(actual, dict)
        and expected.items() <= actual.items()
        and all(value == value for value in expected.values())  # a NaN the items' test takes as itself
    ):
        return False
    return bool(payload_diff(expected, actual))
