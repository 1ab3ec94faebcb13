"""Checks on operations alone: locked writes, cross-hotel access, server errors, bad input accepted.

Each counts what it judged: every operation for server-error, every call made with another
hotel's data for cross-hotel-access, every write invoked after its stocktake's approval for
locked-write-accepted, every bad-input probe for bad-input-accepted. A run that tried none of these
says so ("not judged"), never green. A probe answered 2xx is told with what the API then held: the
probe is followed by a re-read (`reread_of` names the probe), which completes its finding.
Judged one operation at a time, so a live check folds each write once and keeps none.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..record.history import HistoryData, Operation
from ..spec.contract import WRITE_KINDS
from .findings import Finding
from .model import stocktake_of


def words(body: object) -> str:
    """The server's own words: a DRF `detail`, else the body as sent (cut to 200 characters)."""
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return str(body)[:200]


def probe_note(op: Operation) -> str:
    """ ", probe duplicate-period": a bad-input probe is named wherever its operation is."""
    return f", probe {op.request['probe']}" if "probe" in op.request else ""


LOCKABLE = tuple(kind for kind in WRITE_KINDS if kind not in ("approve", "delete_stocktake", "create_stocktake"))


class Approvals:
    """When each stocktake was first approved: its completion (later writes are locked) and when it
    was sent (writes answered after it may have landed on either side of the lock). Noted as each
    approve completes, before the writes around it are judged: an approve that matters to a write
    completed before that write settled."""

    def __init__(self) -> None:
        self.completed: dict[int, float] = {}
        self.sent: dict[int, float] = {}

    def note(self, op: Operation) -> None:
        if op.kind == "approve" and op.ok and op.complete is not None:
            sid = stocktake_of(op)
            if sid is not None:
                self.completed[sid] = min(self.completed.get(sid, op.complete), op.complete)
                self.sent[sid] = min(self.sent.get(sid, op.invoke), op.invoke)

    @classmethod
    def of(cls, history: HistoryData) -> Approvals:
        approvals = cls()
        for op in history.operations:
            approvals.note(op)
        return approvals


def after_lock(op: Operation, approved_at: dict[int, float]) -> float | None:
    """The approval a write came after, if it is a write the lock must refuse."""
    sid = stocktake_of(op)
    locked = approved_at.get(sid) if sid is not None else None
    return locked if op.kind in LOCKABLE and locked is not None and op.invoke > locked else None


class AccessCheck:
    """server-error, cross-hotel-access and locked-write-accepted, one operation at a time (`take`)."""

    NAMES = ("server-error", "cross-hotel-access", "locked-write-accepted", "bad-input-accepted")

    def __init__(self, approvals: Approvals) -> None:
        self.approvals = approvals
        self.judged: Counter[str] = Counter()
        self.found: list[Finding] = []
        self._accepted: dict[int, tuple[int, Any]] = {}  # probe op -> (its finding's index, the body it sent)

    def take_all(self, operations: Iterable[Operation]) -> None:
        """Every operation of a history once all approvals are noted (the final check). Most only count
        as judged for server-error (answered below 500 by its own hotel's data, no probe or re-read, no
        lock to ask about): those are counted at once, the rest `take`n one by one."""
        locks = bool(self.approvals.completed)
        plain = 0
        for op in operations:
            if op.type == "invoke":
                continue  # never answered, nor known lost (a write cut when its run stopped): nothing to judge
            request = op.request
            if (
                op.failed
                or op.actor_hotel != op.hotel
                or request.get("reread_of") is not None
                or request.get("expect") == "refusal"
                or (locks and op.kind in LOCKABLE)
            ):
                self.take(op)
            else:
                plain += 1
        if plain:
            self.judged["server-error"] += plain

    def take(self, op: Operation) -> None:
        times = {"invoke": op.invoke, "complete": op.complete or op.invoke}
        self._probe(op, times)
        self.judged["server-error"] += 1
        if op.failed:
            self.found.append(
                Finding(
                    "server-error",
                    f"operation {op.id} ({op.kind}{probe_note(op)}) "
                    + (f"answered {op.status}: {words(op.body)}" if op.status else f"never answered: {op.error}"),
                    operation=op.id,
                    expected="a 2xx or 4xx answer",
                    actual={"status": op.status, "body": op.body} if op.status else op.error,
                    times=times,
                )
            )
        if op.actor_hotel != op.hotel:
            self.judged["cross-hotel-access"] += 1
            if op.ok:
                self.found.append(
                    Finding(
                        "cross-hotel-access",
                        f"{op.actor} of {op.actor_hotel} was allowed {op.kind} on {op.hotel}'s data",
                        operation=op.id,
                        expected="404",
                        actual=op.status,
                        times=times,
                    )
                )
        locked = after_lock(op, self.approvals.completed)
        if locked is not None:
            self.judged["locked-write-accepted"] += 1
            if op.ok:
                self.found.append(
                    Finding(
                        "locked-write-accepted",
                        f"operation {op.id} ({op.kind}) changed stocktake {stocktake_of(op)} after it was approved",
                        operation=op.id,
                        expected="409 (locked)",
                        actual=op.status,
                        times={**times, "approved": locked},
                    )
                )

    def _probe(self, op: Operation, times: dict[str, float]) -> None:
        """bad-input-accepted: a probe answered 2xx; its re-read (the next operation naming it) says
        what was stored."""
        reread_of = op.request.get("reread_of")
        if reread_of is not None:
            accepted = self._accepted.get(reread_of)
            if accepted is not None and op.ok:
                index, sent = accepted
                stored = _stored(op, sent)
                old = self.found[index]
                self.found[index] = dataclasses.replace(
                    old, message=old.message.replace(NOT_REREAD, f"re-read, the API holds {stored}"), actual=stored
                )
            return
        if op.request.get("expect") != "refusal" or "probe" not in op.request or op.kind not in WRITE_KINDS:
            return
        self.judged["bad-input-accepted"] += 1
        if op.ok:
            sent = op.request.get("body")
            self._accepted[op.id] = (len(self.found), sent)
            self.found.append(
                Finding(
                    "bad-input-accepted",
                    f"probe {op.request['probe']} ({op.request.get('why', 'bad input')}) was answered {op.status} "
                    f"where a 4xx is due, sending {sent!r}; {NOT_REREAD}",
                    operation=op.id,
                    expected="a 4xx refusal in words, nothing stored",
                    actual={"status": op.status, "body": op.body},
                    times=times,
                )
            )


NOT_REREAD = "what it stored could not be re-read"


def _stored(reread: Operation, sent: Any) -> Any:
    """What a re-read shows of an accepted probe: the fields it sent, as the line or stocktake now holds
    them; of a movement listing, the newest movement."""
    body = reread.body
    if isinstance(body, list):
        return body[-1] if body else "no movement"
    if isinstance(body, dict):
        fields = [k for k in sent if k in body] if isinstance(sent, dict) else []
        return {k: body[k] for k in fields} if fields else body
    return body
