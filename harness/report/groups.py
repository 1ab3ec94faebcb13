"""Findings grouped by cause, causes first: what a reader needs before the hundreds of rows.

A group is one cause, and its line states the whole of it with its denominator. The cause's
signature is what a reader would act on: for an HTTP finding the write kind, the status and the
server's words with numbers and ids taken out (ten identical TypeErrors about ten lines are one
cause); for an intrusion the intruder's call kind and hotels; for a delivery finding the injected
fault that explains it, else its event (late events without a fault split further into stalls:
writes invoked within a latency limit of each other). A finding another explains (its `cause`,
an explanation naming another finding, a server error told again as write-despite-error, a
delivery of a write that failed) is shown under its cause's group, never as a group of its own.
Errors come first, then what leaves the run inconclusive, then warnings; causes before what follows
from them. report.json keeps every member.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..checks.findings import NAMES, Finding
from ..checks.server_words import normalised
from .calls import RunFacts
from .group_lines import Key, line
from .late_bursts import late_bursts, on_time

CAUSES_FIRST = (
    "write-despite-error", "server-error", "writes-refused", "unexpected-event", "wrong-channel", "missing-event",
    "duplicate-event", "oversize-payload", "envelope-mismatch", "payload-mismatch", "self-echo",
    "locked-write-accepted", "cross-hotel-access", "out-of-order", "late-event", "gap-during-disconnect",
    "divergence", "public-channel-exposure",
)  # fmt: skip
HTTP = ("server-error", "write-despite-error", "writes-refused")
ONE_FINDING = ("writes-refused", "harness-stall")
"""Rules that state a whole cause in one finding, which is the group's line: no example repeats it."""
NAMED_FINDING = re.compile(r"^(?P<name>[a-z-]+) of operation \d+")
OPERATION = re.compile(r"\boperation (\d+)\b")
FINDING_NAME = re.compile(rf"(?<![a-z-])({'|'.join(sorted(NAMES, key=len, reverse=True))})(?![a-z-])")


@dataclass(frozen=True)
class FindingGroup:
    name: str
    severity: str
    count: int
    summary: str
    operations: list[int]
    listeners: int
    example: str
    faults: list[str] = field(default_factory=list)
    consequences: dict[str, int] = field(default_factory=dict)
    """Findings this cause explains, by name: shown under it, not as defects of their own."""
    consequence_example: str = ""

    @property
    def explains(self) -> str:
        """ "it explains 4 divergence, 12 self-echo", or nothing."""
        told = ", ".join(f"{n} {name}" for name, n in self.consequences.items())
        return f"it explains {told}" if told else ""


@dataclass(frozen=True)
class Grouping:
    groups: list[FindingGroup]
    of: list[int]
    """Per finding (same order), the index of the group it is shown in."""


SEVERITIES = ("error", "inconclusive", "warning")
"""Most severe first: a group takes its most severe finding's, and groups are shown in this order."""


def cause_rank(name: str) -> int:
    if name in CAUSES_FIRST:
        return CAUSES_FIRST.index(name)
    return len(CAUSES_FIRST) + (list(NAMES).index(name) if name in NAMES else len(NAMES))


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def faults_of(explained_by: Sequence[str]) -> tuple[str, ...]:
    """The injected faults among a finding's explanations (the rest name other findings)."""
    return tuple(sorted({text.split(" ", 1)[0] for text in explained_by if not NAMED_FINDING.match(text)}))


def _key(f: Finding, faults: tuple[str, ...], facts: RunFacts) -> Key:
    call = facts.calls.get(f.operation) if f.operation is not None else None
    if call is not None and f.name in HTTP:
        return ("http", f.name, "", str(call.status), normalised(call.words), f.severity)  # one cause, any kind
    if call is not None and f.name == "locked-write-accepted":
        return ("locked", f.name, call.kind, str(call.status))
    if call is not None and f.name == "cross-hotel-access":
        return ("intrusion", f.name, "", call.actor_hotel, call.hotel)  # one missing filter, any kind
    if faults:
        return ("fault", f.name if len(faults) > 1 else "", f.severity, "+".join(faults))
    if f.name == "trigger-refused" and isinstance(f.actual, dict):  # one cause (a secret), whatever the event
        return ("event", f.name, f.severity, f"{f.actual.get('status')} {f.actual.get('kind')}")
    if f.name == "unexpected-event" and isinstance(f.expected, str):
        return ("event", f.name, f.severity, "the contract's events spelled otherwise")
    return ("event", f.name, f.severity, f.event or "")


class _Grouper:
    """Primary findings into buckets by signature, then each explained finding under its cause."""

    def __init__(self, findings: Sequence[Finding], explained: Sequence[Sequence[str]], facts: RunFacts) -> None:
        self.findings, self.explained, self.facts = findings, explained, facts
        self.keys: list[Key] = []
        self.members: list[list[int]] = []
        self.consequences: list[list[int]] = []
        self.by_operation: dict[int, list[int]] = {}
        self.names: list[set[str]] = []
        self.events: list[set[str | None]] = []
        self.renamed = {
            (f.listener, f.expected) for f in findings if f.name == "unexpected-event" and isinstance(f.expected, str)
        }
        self.misrouted = {f.event for f in findings if f.name == "wrong-channel"}
        self.refused = {f.event for f in findings if f.name == "trigger-refused"}
        oversize = [f for f in findings if f.name == "oversize-payload"]
        self.oversize = {f.operation if f.operation is not None else f.event for f in oversize}

    def add(self, key: Key, members: list[int]) -> int:
        self.keys.append(key)
        self.members.append([])
        self.consequences.append([])
        self.names.append(set())
        self.events.append(set())
        for i in members:
            self.attach(i, len(self.keys) - 1, self.members)
        return len(self.keys) - 1

    def attach(self, i: int, b: int, to: list[list[int]]) -> None:
        """Finding i into group b (its members or its consequences): a consequence of a consequence
        finds the group through it."""
        to[b].append(i)
        self.names[b].add(self.findings[i].name)
        self.events[b].add(self.findings[i].event)
        op = self.findings[i].operation
        if op is not None and self.by_operation.get(op, [-1])[-1] != b:
            self.by_operation.setdefault(op, []).append(b)

    def cause_text(self, i: int, despite: set[int]) -> str | None:
        """Why finding i is a consequence, or None if it is a cause of its own: its own cause, or a
        finding it names, or the same failed answer told again, or the event the listener did get
        under another name or on another channel."""
        f = self.findings[i]
        named = [text for text in self.explained[i] if NAMED_FINDING.match(text)]
        if f.cause or named:
            return " ".join([f.cause or "", *named]).strip()
        call = self.facts.calls.get(f.operation) if f.operation is not None else None
        if f.name == "server-error" and f.operation in despite:
            return f"write-despite-error of operation {f.operation}"
        if f.name == "missing-event" and (f.listener, f.event) in self.renamed:
            return f"unexpected-event: {f.event} came to {f.listener} under another name"
        if f.name == "missing-event" and f.event in self.misrouted:
            return f"wrong-channel: {f.event} went to another channel"
        if f.name in ("missing-event", "gap-during-disconnect") and {f.operation, f.event} & self.oversize:
            return f"oversize-payload: {f.event} was too big for Pusher"
        if f.name in ("missing-event", "gap-during-disconnect") and f.event in self.refused:
            return f"trigger-refused: the Pusher server refused the backend's triggers of {f.event}"
        if call is not None and call.failed and f.name not in (*HTTP, "cross-hotel-access", "locked-write-accepted"):
            return f"server-error of operation {f.operation}"
        return None

    def target(self, text: str, event: str | None) -> int | None:
        """The group a cause's words point at: its finding on its operation, else any finding on the
        operation, else a group of the finding it names, else one of the fault it names; of several,
        one with the same event."""
        ops = [int(n) for n in OPERATION.findall(text)]
        names = set(FINDING_NAME.findall(text))
        words = set(re.findall(r"[a-z0-9-]+", text))
        on_ops = [b for op in ops for b in self.by_operation.get(op, [])]
        for candidates in (
            [b for b in on_ops if self.names[b] & names],
            on_ops,
            [b for b in range(len(self.keys)) if self.names[b] & names],
            [b for b, key in enumerate(self.keys) if key[0] == "fault" and set(key[3].split("+")) & words],
        ):
            if candidates:
                return next((b for b in candidates if event in self.events[b]), candidates[0])
        return None


def _one_per_fault(grouper: _Grouper, key: Key, members: list[int]) -> None:
    """An injected fault is one cause: its group is named by the finding it made most of, and the
    others it explains (on the same writes or deliveries) are shown under it. Findings that several
    faults may explain are grouped by finding too (`_key`): which of them made each is not known."""
    names = Counter(grouper.findings[i].name for i in members)
    top = min(names, key=lambda name: (-names[name], cause_rank(name)))
    b = grouper.add(key, [i for i in members if grouper.findings[i].name == top])
    for i in members:
        if grouper.findings[i].name != top:
            grouper.attach(i, b, grouper.consequences)


def grouping(
    findings: Sequence[Finding],
    limit_s: float,
    facts: RunFacts | None = None,
    explained: Sequence[Sequence[str]] | None = None,
) -> Grouping:
    """`explained`: per finding, its explanations (checks/fault_links.py); `facts`: the run's calls."""
    facts = facts or RunFacts()
    grouper = _Grouper(findings, explained or [[] for _ in findings], facts)
    despite = {f.operation for f in findings if f.name == "write-despite-error" and f.operation is not None}
    primary: dict[Key, list[int]] = {}
    caused: list[tuple[int, str]] = []
    delivered = on_time(findings, facts.writes)
    for i, f in enumerate(findings):
        why = grouper.cause_text(i, despite)
        if why is not None:
            caused.append((i, why))
        else:
            primary.setdefault(_key(f, faults_of(grouper.explained[i]), facts), []).append(i)
    for key, members in primary.items():
        if key[0] == "fault":
            _one_per_fault(grouper, key, members)
            continue
        late = key[0] == "event" and key[1] == "late-event"
        for burst in late_bursts(members, findings, limit_s, delivered) if late else [members]:
            grouper.add(key, burst)
    orphans: dict[Key, int] = {}
    for i, why in sorted(caused, key=lambda c: cause_rank(findings[c[0]].name)):
        b = grouper.target(why, findings[i].event)
        if b is not None:
            grouper.attach(i, b, grouper.consequences)
            continue
        key = ("caused", findings[i].name, OPERATION.sub("operation #", why))
        if key not in orphans:
            orphans[key] = grouper.add(key, [])
        grouper.attach(i, orphans[key], grouper.members)
    return _ordered(grouper)


def _counted(members: list[Finding]) -> int:
    """How many the group's line counts: its findings, or the writes its one writes-refused finding
    counts (the line says "21 of 40 writes"; the group's count, and Locust's, say 21 too)."""
    actual = members[0].actual
    if members[0].name == "writes-refused" and isinstance(actual, dict) and isinstance(actual.get("count"), int):
        return int(actual["count"])
    return len(members)


def _ordered(grouper: _Grouper) -> Grouping:
    findings = grouper.findings
    built = []
    for b, key in enumerate(grouper.keys):
        members = [findings[i] for i in grouper.members[b]]
        then = [findings[i] for i in grouper.consequences[b]]
        first = members[0]
        common = Counter(f.event for f in members).most_common(1)[0][0]
        example = next(f for f in members if f.event == common).message
        example = "" if first.name in ONE_FINDING else example  # its one finding says the line again
        severity = min((f.severity for f in [*members, *then]), key=severity_rank)
        operations = sorted({f.operation for f in members if f.operation is not None})
        group = FindingGroup(
            first.name, severity, _counted(members), line(key, members, grouper.facts), operations,
            len({f.listener for f in members if f.listener is not None}), example,
            key[3].split("+") if key[0] == "fault" else [],
            dict(Counter(f.name for f in then).most_common()), then[0].message if then else "",
        )  # fmt: skip
        built.append((b, group))
    built.sort(key=lambda bg: (severity_rank(bg[1].severity), cause_rank(bg[1].name), -bg[1].count,
                               bg[1].operations[:1]))  # fmt: skip
    position = {b: n for n, (b, _) in enumerate(built)}
    of = [0] * len(findings)
    for b in range(len(grouper.keys)):
        for i in [*grouper.members[b], *grouper.consequences[b]]:
            of[i] = position[b]
    return Grouping([g for _, g in built], of)


def group_findings(
    findings: Sequence[Finding],
    limit_s: float,
    facts: RunFacts | None = None,
    explained: Sequence[Sequence[str]] | None = None,
) -> list[FindingGroup]:
    return grouping(findings, limit_s, facts, explained).groups
