"""Findings: the stable names of docs/findings.md and the evidence each one carries."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

NAMES: dict[str, str] = {
    "missing-event": "a successful change's event never reached a listener subscribed throughout",
    "duplicate-event": "a listener got the same event more than once",
    "payload-mismatch": "event data differs from the HTTP response it reflects",
    "envelope-mismatch": "line_id / item_sku / stocktake_id disagree with the line or channel",
    "wrong-channel": "event arrived on a channel the contract does not route it to",
    "unexpected-event": "an event name the contract does not know",
    "self-echo": "the originator's own connection got its change back though it sent its socket_id",
    "out-of-order": "a listener saw two changes of one line in the opposite order to the server",
    "divergence": "after quiescence, a listener's view differs from a fresh GET",
    "late-event": "delivery latency over the scenario's limit",
    "oversize-payload": "event data over Pusher's 10 KB limit (or the trigger was rejected for size)",
    "locked-write-accepted": "a change to an approved stocktake was accepted or broadcast",
    "cross-hotel-access": "a user of one hotel read or changed another hotel's stocktake",
    "gap-during-disconnect": "events missed while a listener was disconnected",
    "server-error": "a 5xx, or a request that never answered",
    "writes-refused": "writes the scenario expects to succeed answered 4xx",
    "write-despite-error": "a write answered 5xx or never answered, yet its effect is visible",
    "payload-near-limit": "a payload over 80 % of Pusher's 10 KB, with how it grows and where it crosses",
    "public-channel-exposure": "stocktake channels are public: anyone with the app key can subscribe",
    "trigger-refused": "the Pusher server refused a backend trigger (bad signature, too many channels)",
    "bad-input-accepted": "a bad-input probe was answered 2xx; names the probe and what was stored",
    "unjudged-fault": "an injected fault fired and no finding explains it: the checker was blind to it",
}
WARNINGS = {"public-channel-exposure", "payload-near-limit"}
INCONCLUSIVE = {"unjudged-fault"}
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
        if self.name in INCONCLUSIVE:
            return "inconclusive"
        return "warning" if self.warning or self.name in WARNINGS else "error"

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
