"""The event contract as data: channels, event names, and which change produces what.

The seed is the frontend integration guide (docs/contract.md). A team whose backend
names things differently describes it in a TOML file (`load_contract`): channel
templates (e.g. `private-{hotel}-stocktake-{stocktake_id}`) and the wire name of each
logical event (e.g. `line-counted-updated = "line_counted_updated"`). Routing and the
payload relations are the contract's semantics and stay fixed.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ContractError
from ..input_files import parse_toml, read_text
from .value_rules import DEFAULTS, ValueRule, describe_values, parse_values

LIST, DETAIL = "list", "detail"
EVENTS = (
    "stocktake-created",
    "stocktake-deleted",
    "stocktake-status-changed",
    "stocktake-populated",
    "line-counted-updated",
    "line-movement-added",
)
LINE_EVENTS = ("line-counted-updated", "line-movement-added")

# operation kind -> [(logical event, channel kind)], as the contract's "Events on this channel" lists.
ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "create_stocktake": (("stocktake-created", LIST),),
    "delete_stocktake": (("stocktake-deleted", LIST),),
    "approve": (("stocktake-status-changed", LIST), ("stocktake-status-changed", DETAIL)),
    "populate": (("stocktake-populated", DETAIL),),
    "patch_line": (("line-counted-updated", DETAIL),),
    "add_movement": (("line-movement-added", DETAIL),),
}
WRITE_KINDS = tuple(ROUTES)
_ALLOWED_KINDS = {
    logical: frozenset(kind for routes in ROUTES.values() for event, kind in routes if event == logical)
    for logical in {event for routes in ROUTES.values() for event, _ in routes}
}


@dataclass(frozen=True)
class Contract:
    list_channel: str = "{hotel}-stocktakes"
    detail_channel: str = "{hotel}-stocktake-{stocktake_id}"
    names: dict[str, str] = field(default_factory=lambda: {e: e for e in EVENTS})
    source: str = "default (FRONTEND_PUSHER_INTEGRATION.md)"
    values: dict[str, dict[str, ValueRule]] = field(default_factory=lambda: DEFAULTS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_logical", {wire: logical for logical, wire in self.names.items()})
        object.__setattr__(self, "_expected", {})  # asked once per write by the checks: remembered
        object.__setattr__(self, "_parsed", {})  # asked once per text and channel by the checks: remembered
        object.__setattr__(
            self, "_patterns", {LIST: _template_regex(self.list_channel), DETAIL: _template_regex(self.detail_channel)}
        )

    def wire(self, logical: str) -> str:
        return self.names[logical]

    def logical(self, wire_name: str) -> str | None:
        return self._logical.get(wire_name)  # type: ignore[attr-defined]

    def channel(self, kind: str, hotel: str, stocktake_id: int | None = None) -> str:
        template = self.list_channel if kind == LIST else self.detail_channel
        return template.format(hotel=hotel, stocktake_id=stocktake_id)

    def parse_channel(self, name: str) -> tuple[str, str, int | None] | None:
        """(kind, hotel, stocktake_id) of a contract channel, or None for any other channel."""
        memo: dict[str, tuple[str, str, int | None] | None] = self._parsed  # type: ignore[attr-defined]
        if name not in memo:
            memo[name] = self._parse_channel(name)
        return memo[name]

    def _parse_channel(self, name: str) -> tuple[str, str, int | None] | None:
        for kind, pattern in self._patterns.items():  # type: ignore[attr-defined]
            match = pattern.fullmatch(name)
            if match:
                sid = match.groupdict().get("stocktake_id")
                return kind, match["hotel"], int(sid) if sid is not None else None
        return None

    @staticmethod
    def allowed_kinds(logical: str) -> frozenset[str]:
        return _ALLOWED_KINDS.get(logical, frozenset())

    def expected(self, op_kind: str, hotel: str, stocktake_id: int | None) -> list[tuple[str, str]]:
        """(wire event name, channel) pairs a successful operation must broadcast."""
        memo: dict[tuple[str, str, int | None], list[tuple[str, str]]] = self._expected  # type: ignore[attr-defined]
        key = (op_kind, hotel, stocktake_id)
        found = memo.get(key)
        if found is None:
            routes = ROUTES.get(op_kind, ())
            found = memo[key] = [(self.wire(event), self.channel(kind, hotel, stocktake_id)) for event, kind in routes]
        return found

    def spelled_like(self, wire_name: str) -> str | None:
        """The logical event a wire name means if it differs from the contract's only by case and
        `_` for `-` (a team's own naming, not a defect of delivery); None otherwise."""
        wanted = _folded(wire_name)
        return next((logical for logical, wire in self.names.items() if _folded(wire) == wanted), None)

    def suggested(self, wire_names: Iterable[str]) -> str | None:
        """This contract as a TOML file, with the events the run saw spelled otherwise renamed to
        what the backend sends: `--contract` with it holds the run to the names it really uses.

        When the renamed events (two or more) follow one rule (dashes as underscores, a prefix, a case change),
        the events not seen are renamed by it too, and marked as inferred: a contract that renamed
        only what one run saw would be wrong the moment the others arrive."""
        renamed: dict[str, str] = {}
        for name in wire_names:
            logical = self.spelled_like(name) or _prefixed_like(self.names, name)
            if logical is not None and self.names[logical] != name:
                renamed[logical] = name
        if not renamed:
            return None
        rules = {_rule_of(self.names[logical], wire) for logical, wire in renamed.items()}
        rule = next(iter(rules)) if len(rules) == 1 and len(renamed) >= INFER_FROM else None
        inferred = {} if rule is None else {
            logical: _apply(rule, wire) for logical, wire in self.names.items() if logical not in renamed
        }  # fmt: skip
        events = {**self.names, **inferred, **renamed}
        lines = ["# Written by stocksync: the contract with the event names this backend sends.",
                 *([f"# Names marked `inferred` were not seen: the seen ones all follow one rule "
                    f"({_rule_words(rule)}), applied to them too."] if rule and inferred else []),
                 "[channels]", f"list = {json.dumps(self.list_channel)}", f"detail = {json.dumps(self.detail_channel)}",
                 "", "[events]",
                 *(f"{logical} = {json.dumps(wire)}" + ("  # inferred" if logical in inferred else "")
                   for logical, wire in events.items())]  # fmt: skip
        return "\n".join(lines) + "\n"

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "list_channel": self.list_channel,
            "detail_channel": self.detail_channel,
            "events": dict(self.names),
            "values": describe_values(self.values),
        }


def _folded(name: str) -> str:
    """A name without its case and word separators: `line_counted_updated`, `line.counted.updated` and
    `lineCountedUpdated` are all `line-counted-updated` spelled otherwise."""
    return re.sub(r"[-_. ]", "", name).lower()


INFER_FROM = 2  # one renamed event is a slip as likely as a rule; two that agree make the rule
Rule = tuple[str, str, str]
"""How a backend spells the contract's names: (prefix, word separator, case: "as-is"/"lower"/"upper")."""
_CASES = {"as-is": lambda s: s, "lower": str.lower, "upper": str.upper}
CAMEL = ("", "camel")
"""Words joined with no separator, each after the first capitalised: `lineCountedUpdated`."""


def _apply(rule: Rule, name: str) -> str:
    prefix, separator, case = rule
    if (separator, case) == CAMEL:
        first, *rest = name.split("-")
        return prefix + first + "".join(word.capitalize() for word in rest)
    return prefix + _CASES[case](name.replace("-", separator))


def _rule_of(name: str, wire: str) -> Rule | None:
    """The rule that spells the contract's `name` as `wire`, if one does."""
    for separator, case in [*((sep, case) for sep in ("-", "_", ".") for case in _CASES), CAMEL]:
        spelled = _apply(("", separator, case), name)
        if wire.endswith(spelled):
            return wire[: len(wire) - len(spelled)], separator, case
    return None


def _prefixed_like(names: dict[str, str], wire: str) -> str | None:
    """The logical event a wire name means with a prefix (and a rule) before the contract's name."""
    found = [logical for logical, name in names.items() if (rule := _rule_of(name, wire)) is not None and rule[0]]
    return found[0] if len(found) == 1 else None


def _rule_words(rule: Rule | None) -> str:
    if rule is None:
        return "none"
    prefix, separator, case = rule
    words = [f"prefix {prefix!r}"] if prefix else []
    if (separator, case) == CAMEL:
        return ", ".join([*words, "camel case"])
    words += [f"words joined by {separator!r}"] if separator != "-" else []
    words += [f"{case} case"] if case != "as-is" else []
    return ", ".join(words) or "as the contract"


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    pattern = pattern.replace(re.escape("{hotel}"), r"(?P<hotel>[A-Za-z0-9_\-=@,.;]+?)")
    pattern = pattern.replace(re.escape("{stocktake_id}"), r"(?P<stocktake_id>\d+)")
    return re.compile(pattern)


# Pusher's own limits: a channel name of at most 164 characters from this set, an event name of 200.
CHANNEL_CHARS = re.compile(r"[A-Za-z0-9_\-=@,.;]*")
MAX_CHANNEL, MAX_EVENT = 164, 200
PLACEHOLDERS = {"list": ("hotel",), "detail": ("hotel", "stocktake_id")}


def _template(value: Any, key: str, where: str) -> str:
    """A channel template with exactly its placeholders, once each, and only characters Pusher allows."""
    wanted = PLACEHOLDERS[key]
    shown = " and ".join(f"{{{name}}}" for name in wanted)
    if not isinstance(value, str) or not value or len(value) > MAX_CHANNEL:
        raise ContractError(f"{where} {key!r} must be a channel template of 1 to {MAX_CHANNEL} characters with {shown}")
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise ContractError(f"{where} {key!r}: {value!r} is not a channel template ({exc})") from None
    for literal, name, spec, conversion in parts:
        if not CHANNEL_CHARS.fullmatch(literal):
            raise ContractError(f"{where} {key!r}: {literal!r} holds characters Pusher refuses in a channel name")
        if name is not None and (name not in wanted or spec or conversion):
            raise ContractError(f"{where} {key!r}: {{{name}}} is not a placeholder here; use {shown}")
    if sorted(name for _, name, _, _ in parts if name is not None) != sorted(wanted):
        raise ContractError(f"{where} {key!r} needs {shown}, once each")
    return value


def _table(raw: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ContractError(f"{source}: {name} must be a table ([{name}]), not {type(table).__name__}")
    return table


def parse_contract(text: str, source: str = "<contract>") -> Contract:
    raw = parse_toml(text, source, ContractError)
    unknown = set(raw) - {"channels", "events", "values"}
    if unknown:
        raise ContractError(
            f"{source}: unknown section(s) {sorted(unknown)}; expected [channels], [events] and [values]"
        )
    channels, events = _table(raw, "channels", source), _table(raw, "events", source)
    for key in set(channels) - {"list", "detail"}:
        raise ContractError(f"{source}: [channels] {key!r} is unknown; use 'list' and 'detail'")
    for key in set(events) - set(EVENTS):
        raise ContractError(f"{source}: [events] {key!r} is not a contract event; known: {', '.join(EVENTS)}")
    for key, value in events.items():
        if not isinstance(value, str) or not value or len(value) > MAX_EVENT:
            raise ContractError(f"{source}: [events] {key!r} must be a string of 1 to {MAX_EVENT} characters")
    where = f"{source}: [channels]"
    lst = _template(channels.get("list", Contract.list_channel), "list", where)
    detail = _template(channels.get("detail", Contract.detail_channel), "detail", where)
    names = {e: events.get(e, e) for e in EVENTS}
    if len(set(names.values())) != len(names):
        raise ContractError(f"{source}: two events share one wire name")
    values = parse_values(raw.get("values", {}), source)
    return Contract(list_channel=lst, detail_channel=detail, names=names, source=source, values=values)


def described_contract(described: Any) -> Contract | None:
    """The contract a run recorded in its history (`Contract.describe()`), so a re-check holds the
    run against what it was run against; None for a history that recorded none."""
    if not isinstance(described, dict):
        return None
    where = "the history's recorded contract:"
    try:
        events = described.get("events") or {}
        return Contract(
            list_channel=_template(described["list_channel"], "list", where),
            detail_channel=_template(described["detail_channel"], "detail", where),
            names={e: str(events.get(e, e)) for e in EVENTS},
            source=str(described.get("source", "the history's meta")),
            values=parse_values(described.get("values") or {}, "the history's recorded contract"),
        )
    except (KeyError, AttributeError) as exc:
        raise ContractError(f"the history's recorded contract is incomplete ({exc})") from None


def load_contract(path: Path | None) -> Contract:
    if path is None:
        return Contract()
    return parse_contract(read_text(path, "contract file", ContractError), str(path))
