"""What grouping needs to know of a run's calls: each operation's kind, answer and hotels, and the
denominators a group's line states ("44 of 44 patch_line writes"). A finding names its operation;
the words a reader acts on (the kind, the status, the server's words) are the operation's.
Pure: a history in, counts out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..checks.access import Approvals, after_lock
from ..checks.writes import counted_on
from ..record.history import HistoryData, Operation
from ..spec.contract import WRITE_KINDS

TITLE = re.compile(r"<title>(.*?)</title>", re.I | re.S)
TAG = re.compile(r"<[^>]+>")
VARYING = re.compile(r"0x[0-9a-f]+|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|\d+(?:\.\d+)?", re.I)
WORDS_SHOWN = 160


def readable(text: str) -> str:
    """The server's words as a reader wants them: an HTML error page is its title, not its markup."""
    title = TITLE.search(text)
    if title or text.lstrip().startswith("<"):
        text = title.group(1) if title else TAG.sub(" ", text)
    return " ".join(text.split())[:WORDS_SHOWN]


def said(body: object) -> str:
    """A DRF answer in words: its `detail`, or its field errors as "field: message"."""
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    if isinstance(body, dict) and body and all(isinstance(v, list) for v in body.values()):
        return "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in body.items())
    return str(body)


def normalised(text: str) -> str:
    """The words with what differs per request (numbers, ids, addresses) taken out: ten identical
    TypeErrors about ten different lines are one cause."""
    return VARYING.sub("#", readable(text)).lower()


@dataclass(frozen=True)
class Call:
    kind: str
    status: int | None
    words: str  # what the server said, or why there was no answer
    actor_hotel: str
    hotel: str
    failed: bool  # a 5xx, or no answer

    @property
    def answer(self) -> str:
        return f"answered {self.status}" if self.status is not None else "never answered"

    @property
    def noun(self) -> str:
        return "writes" if self.kind in WRITE_KINDS else "calls"


def call_of(op: Operation) -> Call:
    text = said(op.body) if op.status is not None else op.error or "no answer"
    return Call(op.kind, op.status, readable(text), op.actor_hotel, op.hotel, op.failed)


@dataclass
class RunFacts:
    """Per operation id its call; per kind the calls answered or given up on (outcomes), the writes the
    run counted on, the writes sent after their stocktake's approval, and the intruders' calls."""

    calls: dict[int, Call] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    counted: Counter[str] = field(default_factory=Counter)
    after_lock: Counter[str] = field(default_factory=Counter)
    intrusions: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    @classmethod
    def of(cls, history: HistoryData) -> RunFacts:
        facts = cls()
        approvals = Approvals.of(history)
        for op in history.operations:
            facts.calls[op.id] = call_of(op)
            if op.type != "invoke":
                facts.outcomes[op.kind] += 1
            if op.actor_hotel != op.hotel:
                facts.intrusions[(op.kind, op.actor_hotel, op.hotel)] += 1
            if after_lock(op, approvals.completed) is not None:
                facts.after_lock[op.kind] += 1
        facts.counted.update(op.kind for op in counted_on(history))
        return facts
