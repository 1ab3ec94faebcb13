"""The checks over operations and the servers' own observations, one operation at a time.

Each operation is judged twice at most: when it is answered (what the answer shows on its own) and
when its delivery has settled (whether its event went missing is known by then), keeping of it
only what a later judgement needs. The final check takes every operation of a history; the live
check (`live.py`) takes each at those moments, so a long run's live check holds the writes in
flight, not the run, and both say what the same rules say.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from typing import Any

from ..record.history import HistoryData, Operation
from .access import AccessCheck, Approvals
from .findings import NAMES, Finding
from .model import Receipt
from .parts import timed
from .refusals import RefusalCheck
from .server_log import check_rejections
from .sizes import SizeCheck
from .writes import FailedWriteCheck

LineReceiptsOf = Callable[[set[Any]], Iterable[Receipt]]
"""The receipts about some lines (write-despite-error asks only when a write failed)."""


class OperationChecks:
    def __init__(self) -> None:
        self.approvals = Approvals()
        self.sizes = SizeCheck()
        self.access = AccessCheck(self.approvals)
        self.refusals = RefusalCheck(self.approvals)
        self.failed = FailedWriteCheck()
        self.seconds: dict[str, float] = {}

    def answered(self, operations: Sequence[Operation]) -> None:
        """What an answer shows on its own (a 5xx, another hotel's data, a locked write accepted):
        judged as soon as it comes, every approval among them noted first, before the writes it locks."""
        for op in operations:
            self.approvals.note(op)
        started = time.perf_counter()
        self.access.take_all(operations)
        timed(self.seconds, AccessCheck.NAMES, started)

    def settled(self, operations: Sequence[Operation], missing: Container[int], refused: bool) -> None:
        """What needs its delivery settled, or approvals sent before its answer to be known. `missing`:
        the writes whose event came to no listener (`sizes.never_sent`); `refused`: the Pusher server
        refused some trigger. One check at a time over all of them, so each check's time is read once,
        not once per operation: the checks keep apart what they take, so taking them check by check
        finds what taking them operation by operation does."""
        started = time.perf_counter()
        for op in operations:
            self.sizes.take(op, op.id in missing, refused)
        started = timed(self.seconds, SizeCheck.NAMES, started)
        for op in operations:
            self.refusals.take(op)
        started = timed(self.seconds, RefusalCheck.NAMES, started)
        for op in operations:
            self.failed.take(op)
        timed(self.seconds, FailedWriteCheck.NAMES, started)

    def judge(self, operations: Sequence[Operation], missing: Container[int], refused: bool) -> None:
        """Every operation of a history at once (the final check): `answered`, then `settled`."""
        self.answered(operations)
        self.settled(operations, missing, refused)

    def findings(self, observed: HistoryData, receipts: LineReceiptsOf, judged: Counter[str]) -> list[Finding]:
        """What the operations taken so far show, with what the servers and probes observed
        (`observed`: refused triggers, the truth, warnings, the meta's probes); `judged` is added to."""
        started = time.perf_counter()
        found = list(check_rejections(observed, judged))
        found += self.sizes.found + self.access.found + self.sizes.unseen_sizes(observed.meta.get("server_log") or {})
        judged.update(self.sizes.judged)
        judged.update(self.access.judged)
        found += self.refusals.findings(judged)
        started = timed(self.seconds, RefusalCheck.NAMES, started)
        found += self.failed.findings(observed, receipts, judged)
        timed(self.seconds, FailedWriteCheck.NAMES, started)
        found += _recorded(observed)
        judged["public-channel-exposure"] += len(observed.meta.get("exposure_probed") or [])
        return found


def refused_triggers(history: HistoryData) -> bool:
    """Whether the Pusher server refused a trigger: it says so itself, so no size is blamed."""
    return any(True for _ in history.of_kind("trigger-rejected"))


def _recorded(history: HistoryData) -> list[Finding]:
    """Findings the runner observed directly (security probes); kept as recorded."""
    out = []
    for obs in history.of_kind("warning"):
        if isinstance(obs.data, dict) and obs.data.get("name") in NAMES:
            out.append(
                Finding(
                    obs.data["name"],
                    obs.data.get("message", ""),
                    obs.channel,
                    obs.event,
                    listener=obs.listener,
                    times={"at": obs.time},
                )
            )
    return out
