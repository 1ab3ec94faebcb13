"""A suggested contract renames what was seen, and infers the rest only when the seen names agree on
one rule (dashes as underscores, a prefix, a case change), marking what it inferred."""

from __future__ import annotations

import tomllib

import pytest

from harness.spec.contract import EVENTS, Contract, parse_contract


def _camel(event: str) -> str:
    first, *rest = event.split("-")
    return first + "".join(word.capitalize() for word in rest)


def _events(text: str | None) -> dict[str, str]:
    assert text is not None
    return tomllib.loads(text)["events"]


@pytest.mark.parametrize(
    "seen, spell",
    [
        (["line_counted_updated", "stocktake_status_changed"], lambda e: e.replace("-", "_")),
        (["app.line-counted-updated", "app.stocktake-created"], lambda e: "app." + e),
        (["LINE_COUNTED_UPDATED", "LINE_MOVEMENT_ADDED"], lambda e: e.replace("-", "_").upper()),
        (["line.counted.updated", "stocktake.created"], lambda e: e.replace("-", ".")),
        (["lineCountedUpdated", "stocktakeStatusChanged"], _camel),
        (["app.lineCountedUpdated", "app.stocktakeCreated"], lambda e: "app." + _camel(e)),
    ],
    ids=["underscores", "prefix", "upper-case", "dots", "camel-case", "prefixed-camel-case"],
)
def test_the_rule_of_the_seen_names_maps_the_whole_contract(seen: list[str], spell) -> None:
    text = Contract().suggested(seen)
    assert _events(text) == {e: spell(e) for e in EVENTS}
    inferred = {line.split(" = ")[0] for line in str(text).splitlines() if line.endswith("# inferred")}
    assert inferred == {e for e in EVENTS if spell(e) not in seen}
    assert parse_contract(str(text)).names == {e: spell(e) for e in EVENTS}, "the file is a contract --contract takes"


@pytest.mark.parametrize(
    "seen", [["line_counted_updated"], ["line_counted_updated", "LINE-MOVEMENT-ADDED"]], ids=["one", "two-rules"]
)
def test_without_one_agreed_rule_only_the_seen_names_change(seen: list[str]) -> None:
    text = Contract().suggested(seen)
    assert "# inferred" not in str(text)
    renamed = {k: v for k, v in _events(text).items() if k != v}
    assert sorted(renamed.values()) == sorted(seen)


def test_nothing_renamed_suggests_nothing() -> None:
    assert Contract().suggested(["line-counted-updated", "something-else"]) is None


@pytest.mark.parametrize("wire", ["lineCountedUpdated", "line.counted.updated", "Line Counted Updated"])
def test_a_name_in_another_case_or_with_other_separators_is_the_contract_s_spelled_otherwise(wire: str) -> None:
    """Told so in the finding and the suggested contract (a review found camel case and dots named only
    "not an event of the contract", in six groups with no suggestion)."""
    assert Contract().spelled_like(wire) == "line-counted-updated"
    assert Contract().spelled_like("line-counted-update") is None, "another word is another name"
