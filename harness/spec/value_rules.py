"""What values a backend accepts per write (a contract's optional [values] tables), so counters
write only values the backend's own rules allow: a refusal of such a write is a real
`writes-refused`, not the harness's mistake.

```toml
[values.add_movement]
quantity = { places = 0, min = 1, max = 20 }   # "Purchases must be in full kegs only"
```
Pure: parsing, and the values themselves (unique ones for counted units, so events stay
tellable apart; fitted ones for quantities).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ContractError

# A bound past this has no unit count behind it, and keeps every value within Decimal's 28 digits at 6 places.
MAX_MAGNITUDE = Decimal(10) ** 9
FIELDS = {"patch_line": ("counted_full_units", "counted_partial_units"), "add_movement": ("quantity",)}


@dataclass(frozen=True)
class ValueRule:
    places: int = 2
    min: Decimal = Decimal(0)
    max: Decimal | None = None

    @property
    def step(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    def nth(self, n: int) -> str:
        """The n-th distinct allowed value (n from 1): unique until the range runs out, then it cycles."""
        steps = n if self.max is None else n % (int((self.max - self.min) / self.step) + 1)
        return self._text(self.min + self.step * steps)

    def fit(self, value: Decimal) -> str:
        """`value` rounded to the allowed places and kept within [min, max]."""
        fitted = max(self.min, value.quantize(self.step))
        return self._text(min(fitted, self.max) if self.max is not None else fitted)

    def _text(self, value: Decimal) -> str:
        return f"{value:.{self.places}f}"


DEFAULTS: dict[str, dict[str, ValueRule]] = {
    "patch_line": {"counted_full_units": ValueRule(0, Decimal(0), Decimal(9)), "counted_partial_units": ValueRule()},
    "add_movement": {"quantity": ValueRule(2, Decimal(1), Decimal(5))},
}


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ContractError(f"{where} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ContractError(f"{where} must be a number") from None
    if not number.is_finite():
        raise ContractError(f"{where} must be finite")
    if abs(number) > MAX_MAGNITUDE:
        raise ContractError(f"{where} must be between -{MAX_MAGNITUDE:,} and {MAX_MAGNITUDE:,}")
    return number


def parse_values(raw: Any, source: str) -> dict[str, dict[str, ValueRule]]:
    if not isinstance(raw, dict):
        raise ContractError(f"{source}: [values] must hold tables such as [values.add_movement]")
    rules = {kind: dict(fields) for kind, fields in DEFAULTS.items()}
    for kind, fields in raw.items():
        if kind not in FIELDS or not isinstance(fields, dict):
            raise ContractError(f"{source}: [values.{kind}] is unknown; known: {', '.join(FIELDS)}")
        for name, spec in fields.items():
            where = f"{source}: [values.{kind}] {name}"
            if name not in FIELDS[kind] or not isinstance(spec, dict) or set(spec) - {"places", "min", "max"}:
                raise ContractError(f"{where}: expected one of {FIELDS[kind]} = {{ places, min, max }}")
            places = spec.get("places", rules[kind][name].places)
            if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 6:
                raise ContractError(f"{where}: places must be a whole number from 0 to 6")
            low = _number(spec.get("min", rules[kind][name].min), f"{where}.min")
            high = _number(spec["max"], f"{where}.max") if "max" in spec else None
            if high is not None and high < low:
                raise ContractError(f"{where}: max is below min")
            rules[kind][name] = ValueRule(places, low, high)
    return rules


def describe_values(rules: dict[str, dict[str, ValueRule]]) -> dict[str, Any]:
    return {kind: {name: {"places": r.places, "min": str(r.min), **({"max": str(r.max)} if r.max is not None else {})}
                   for name, r in fields.items()} for kind, fields in rules.items()}  # fmt: skip
