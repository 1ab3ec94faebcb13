"""What grouping needs to know of a run's calls: each operation's kind, answer and hotels, and the
denominators a group's line states ("44 of 44 patch_line writes"). A finding names its operation;
the words a reader acts on (the kind, the status, the server's words) are the operation's.
Pure: a history in, counts out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..checks.access import Approvals, after_lock
from ..checks.server_words import readable, said
from ..checks.writes import counted_on
from ..record.history import HistoryData, Operation
from ..spec.contract import WRITE_KINDS


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
    run counted on, the writes sent after their stocktake's approval, and the intruders' calls; and when
    each successful write was invoked."""

    calls: dict[int, Call] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    counted: Counter[str] = field(default_factory=Counter)
    after_lock: Counter[str] = field(default_factory=Counter)
    intrusions: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    writes: list[tuple[float, int]] | None = None  # the successful writes: (invoke, id), in order; None: not known

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
        facts.writes = sorted((op.invoke, op.id) for op in history.operations if op.ok and op.kind in WRITE_KINDS)
        return facts
