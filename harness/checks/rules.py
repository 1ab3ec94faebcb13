"""The one table of named rules: every finding the checker can give is one rule's, declared here once.

A rule says what its finding means (docs/findings.md has its cause and fix), how much it weighs
(`severity`), which part of the checker judges it (`family`), the sentence a report gives when it
judged nothing, and whether the live check (Locust's Sync tab, the CLI's progress) can judge it while
the run goes. Every other list of names (`findings.NAMES`, `WARNINGS`, the stream's `DELIVERY`, the
checks a stream pass shares its time between) is derived from this table, so a new rule is one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "inconclusive"]

DUE = "shown as due when its window closes: the grace may still bring the event, late"


@dataclass(frozen=True)
class Rule:
    name: str
    meaning: str
    family: str
    cannot_judge: str
    """Why it judged nothing, as the verdict's INCONCLUSIVE reason ends when a scenario requires it."""
    severity: Severity = "error"
    """Its findings' weight: a warning is reported and passes; an inconclusive finding keeps the run
    from passing without failing it (the harness was blind). A finding may also be a warning on its
    own (`Finding.warning`: a planned disconnect's gap)."""
    per_change: bool = False
    """Its finding is about one change's delivery: it makes that change's live sample a failure."""
    live: bool = True
    live_note: str = ""
    """Why the live check cannot judge it (`live` False), or how its live word differs from the end's."""


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("missing-event", "a successful change's event never reached a listener subscribed throughout",
             "delivery", "no event was owed to any listener", per_change=True, live_note=DUE),
        Rule("duplicate-event", "a listener got the same event more than once",
             "delivery", "no listener got any event", per_change=True),
        Rule("payload-mismatch", "event data differs from the HTTP response it reflects",
             "delivery", "no event was matched to a write", per_change=True),
        Rule("envelope-mismatch", "line_id / item_sku / stocktake_id disagree with the line or channel",
             "routing", "no event about a line or a stocktake reached a listener", per_change=True),
        Rule("wrong-channel", "event arrived on a channel the contract does not route it to",
             "routing", "no listener got any event", per_change=True),
        Rule("unexpected-event", "an event name the contract does not know",
             "routing", "no listener got any event"),
        Rule("self-echo", "the originator's own connection got its change back though it sent its socket_id",
             "delivery", "no writer's own connection was subscribed to its write's channel", per_change=True),
        Rule("out-of-order", "a listener saw two changes of one line in the opposite order to the server",
             "ordering", "no listener got two changes of one line", per_change=True),
        Rule("divergence", "after quiescence, a listener's view differs from a fresh GET",
             "views", "no page could be compared with the server", live=False,
             live_note="each page is compared with a fresh GET after quiescence"),
        Rule("late-event", "delivery latency over the scenario's limit",
             "delivery", "no event was matched to a write", per_change=True),
        Rule("oversize-payload", "event data over Pusher's 10 KB limit (or the trigger was rejected for size)",
             "routing", "no event came and no write's event went missing", per_change=True),
        Rule("locked-write-accepted", "a change to an approved stocktake was accepted or broadcast",
             "access", "no write came after the approval"),
        Rule("cross-hotel-access", "a user of one hotel read or changed another hotel's stocktake",
             "access", "no call was made with another hotel's data"),
        Rule("gap-during-disconnect", "events missed while a listener was disconnected",
             "delivery", "no listener lost its connection while changes were owed to it", per_change=True,
             live_note=DUE),
        Rule("server-error", "a 5xx, or a request that never answered",
             "operations", "no request was answered or lost"),
        Rule("writes-refused", "writes the scenario expects to succeed answered 4xx",
             "operations", "no write the scenario expects to succeed was made"),
        Rule("write-despite-error", "a write answered 5xx or never answered, yet its effect is visible",
             "operations", "no line was written", live=False,
             live_note="its evidence is the lines re-read after the run"),
        Rule("payload-near-limit", "a payload over 80 % of Pusher's 10 KB, with how it grows and where it crosses",
             "sizes", "no write was answered with a body", severity="warning"),
        Rule("public-channel-exposure", "stocktake channels are public: anyone with the app key can subscribe",
             "access", "no channel was probed for public access", severity="warning"),
        Rule("trigger-refused", "the Pusher server refused a backend trigger (bad signature, too many channels)",
             "server", "no Pusher server log was read"),
        Rule("bad-input-accepted", "a bad-input probe was answered 2xx; names the probe and what was stored",
             "access", "no bad-input probe was sent"),
        Rule("harness-stall", "late deliveries read as the harness's own listener loop resumed from a stall, or "
             "sent as its writer process was held: their lateness cannot be told from the backend's",
             "coverage", "no late delivery reached a listener or came from a counter whose process timed its own "
             "loop", severity="inconclusive", live=False,
             live_note="each late delivery is held against the stalls on record so far; a listener worker "
             "process's own are on record at the end"),
        Rule("unjudged-fault", "an injected fault fired and no finding explains it, or the servers' record of what "
             "fired was not read whole: the checker was blind to it",
             "coverage", "no injected fault fired", severity="inconclusive", live=False,
             live_note="each injected fault is held against every finding of the run"),
    )
}  # fmt: skip


def named(*families: str) -> tuple[str, ...]:
    """The rules of some families, in the table's order."""
    return tuple(name for name, rule in RULES.items() if rule.family in families)


def of_severity(severity: Severity) -> frozenset[str]:
    return frozenset(name for name, rule in RULES.items() if rule.severity == severity)


def not_live() -> list[Rule]:
    """The rules only the final check judges: the live check shows them as judged at the end."""
    return [rule for rule in RULES.values() if not rule.live]


def judged_at_end() -> str:
    """The rules only the final check judges, in words, for a live view to say once."""
    return "judged at the end: " + ", ".join(rule.name for rule in not_live())
