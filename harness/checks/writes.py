"""Did the writes do what the scenario asked: which writes it counted on (`counted_on`, the ones
writes-refused judges, in `refusals.py`), and writes that failed yet happened.

- write-despite-error: a write answered 5xx, or never answered, whose effect is visible
  anyway: the line re-read after quiescence (the truth) holds the values it sent, an event
  no successful write explains carries them, a later stocktake listing holds its period
  twice, or the movement listing re-read at the end (`reread` observations: the line's, or
  the item's once the line is gone) holds a movement like it that no successful write
  explains. A client that retries such a write doubles it; a frontend that shows the error lies.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..record.history import HistoryData, Operation
from ..spec.contract import WRITE_KINDS
from .access import LOCKABLE, Approvals, probe_note
from .findings import Finding
from .model import Receipt, stocktake_of

EXPECT_SUCCESS = "success"
LINE_FIELDS = ("counted_full_units", "counted_partial_units")


_WRITES, _LOCKABLE = frozenset(WRITE_KINDS), frozenset(LOCKABLE)


def expected_to_succeed(op: Operation, approval_sent: dict[int, float]) -> bool:
    """The run's own writes, except those answered after an approval of their stocktake was sent:
    those race the lock, and a refusal is as right as an acceptance. Every operation is asked twice
    (`RefusalCheck`, `counted_on`): its stocktake is looked for only when a lock could matter."""
    if op.kind not in _WRITES or op.request.get("expect", EXPECT_SUCCESS) != EXPECT_SUCCESS:
        return False
    if op.kind not in _LOCKABLE or not approval_sent:
        return True
    sid = stocktake_of(op)
    sent = approval_sent.get(sid) if sid is not None else None
    answered = op.complete if op.complete is not None else math.inf
    return not (sent is not None and answered > sent)


@dataclass(frozen=True)
class WriteShare:
    """Of the writes the run counted on that have an outcome (`counted_on`): how many succeeded."""

    succeeded: int
    counted: int


def counted_on(history: HistoryData) -> list[Operation]:
    """The writes the run counted on that have an outcome (answered, or known lost): what
    writes-refused judges and the verdict's share of successful writes is taken over."""
    approvals = Approvals.of(history)
    return [op for op in history.operations if counted(op, approvals)]


def counted(op: Operation, approvals: Approvals) -> bool:
    return op.type != "invoke" and expected_to_succeed(op, approvals.sent)


class FailedWriteCheck:
    """write-despite-error. `take` keeps of each operation only what the judgement needs: the failed
    line writes, the movements successful writes explain, and the listings of stocktakes; `findings`
    judges them at the end, when the truth (the lines re-read) is known."""

    NAMES = ("write-despite-error",)
    LINE_WRITES = ("patch_line", "add_movement", "create_stocktake")

    def __init__(self) -> None:
        self.line_writes = 0
        self.failed: list[Operation] = []
        self.explained: set[Any] = set()
        self.listings: list[Operation] = []
        self.reread: dict[Any, tuple[list[dict[str, Any]], str]] = {}

    def take(self, op: Operation) -> None:
        if op.movement is not None:
            self.explained.add(op.movement.get("id"))
        if op.ok and op.kind == "list_stocktakes" and isinstance(op.body, list):
            self.listings.append(op)
        if op.kind in self.LINE_WRITES:
            self.line_writes += 1
            if op.failed and not op.request.get("resave"):  # it puts back what the line holds: no effect to see
                self.failed.append(op)

    def findings(
        self, history: HistoryData, receipts: Callable[[set[Any]], Iterable[Receipt]], judged: Counter[str]
    ) -> list[Finding]:
        """`receipts` (the receipts about some lines) is asked for only when a write failed: most runs
        have none, and reading every receipt again would cost a large run's check a second pass.
        `history`: its truth observations (the lines re-read after quiescence)."""
        judged["write-despite-error"] += self.line_writes  # each write's outcome is held against the re-read
        if not self.failed:
            return []
        truth = _truth_lines(history)
        self.reread = _reread_movements(history)
        by_line: dict[Any, list[Receipt]] = defaultdict(list)
        for r in sorted(receipts({op.request.get("line_id") for op in self.failed} - {None}), key=lambda r: r.time):
            by_line[r.payload.line_id].append(r)
        found = []
        for op in self.failed:
            shown = self._visible(op, truth, by_line.get(op.request.get("line_id"), []))
            if shown is not None:
                answer = f"answered {op.status}" if op.status is not None else f"never answered ({op.error})"
                found.append(
                    Finding(
                        "write-despite-error",
                        f"operation {op.id} ({op.kind}{probe_note(op)}) {answer}, yet its change is visible: "
                        f"{shown['seen']}",
                        channel=shown.get("channel"),
                        event=shown.get("event"),
                        operation=op.id,
                        listener=shown.get("listener"),
                        expected="no effect from a write that failed",
                        actual={"request": op.request.get("body"), "answer": op.status or op.error, **shown},
                        times={"invoke": op.invoke, "complete": op.complete or op.invoke},
                    )
                )
        return found

    def _visible(
        self, op: Operation, truth: dict[Any, dict[str, Any]], receipts: list[Receipt]
    ) -> dict[str, Any] | None:
        sent = _object(op.request.get("body"))
        if op.kind == "create_stocktake":
            return self._stored_period(op, sent)
        if op.kind == "patch_line":
            line = truth.get(op.request.get("line_id"))
            if line is not None and same_values(sent, line, LINE_FIELDS):
                return {"seen": "the line re-read after the run holds the values it sent", "re-read": line}
            for r in receipts:
                line = _object(_object(r.payload.data).get("line"))
                if r.time > op.invoke and same_values(sent, line, LINE_FIELDS):
                    return _delivered(r, "an event carried the values it sent")
            return None
        line_id = op.request.get("line_id")
        row = stored_despite_error(sent, self.reread.get(line_id, ([], ""))[0], self.explained, line_id)
        if row is not None:
            self.explained.add(row.get("id"))
            rows, via = self.reread[line_id]
            return {"seen": f"the movement listing re-read at the end ({via}) holds movement {row.get('id')} "
                            f"({row.get('movement_type')} {row.get('quantity')}), which no successful write explains",
                    "re-read": row}  # fmt: skip
        for r in receipts:
            movement = _object(_object(r.payload.data).get("movement"))
            if (
                r.time > op.invoke
                and movement.get("id") not in self.explained
                and movement.get("movement_type") == sent.get("movement_type")
                and same_values(sent, movement, ("quantity",))
            ):
                return _delivered(r, "an event no successful write explains carried the movement it sent")
        return None

    def _stored_period(self, op: Operation, sent: dict[str, Any]) -> dict[str, Any] | None:
        """A create that failed, yet a later listing holds more stocktakes for its period than one."""
        for later in self.listings:
            if later.invoke > op.invoke:
                same = [
                    s for s in later.body if isinstance(s, dict) and s.get("period_start") == sent.get("period_start")
                ]
                if len(same) > 1:
                    return {"seen": f"a later listing holds {len(same)} stocktakes for {sent.get('period_start')}",
                            "re-read": same}  # fmt: skip
        return None


def stored_despite_error(
    sent: dict[str, Any], rows: list[dict[str, Any]], explained: set[Any], line_id: Any
) -> dict[str, Any] | None:
    """The first listed movement a failed movement write could have stored: of its type and quantity,
    on its line when the listing names lines, and not one a successful write (or an earlier failed
    one) already explains."""
    for row in rows:
        if (
            row.get("id") not in explained
            and row.get("movement_type") == sent.get("movement_type")
            and row.get("line_id", line_id) in (line_id, None)
            and same_values(sent, row, ("quantity",))
        ):
            return row
    return None


def _reread_movements(history: HistoryData) -> dict[Any, tuple[list[dict[str, Any]], str]]:
    """The movement listings re-read at the end, by line: (rows, the path they were read at)."""
    out: dict[Any, tuple[list[dict[str, Any]], str]] = {}
    for obs in history.of_kind("reread"):
        data = _object(obs.data)
        if data.get("what") == "movements":
            rows = [r for r in data.get("rows") or [] if isinstance(r, dict)]
            out[data.get("line_id")] = (rows, str(data.get("via")))
    return out


def _truth_lines(history: HistoryData) -> dict[Any, dict[str, Any]]:
    lines: dict[Any, dict[str, Any]] = {}
    for obs in history.of_kind("truth"):
        if isinstance(obs.data, dict):
            for line in obs.data.get("lines") or []:
                if isinstance(line, dict) and "id" in line:
                    lines[line["id"]] = line
    return lines


def number_of(value: Any) -> Decimal | None:
    """A value as a Decimal, or None when it is not a number (stored units compare exactly)."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def same_values(sent: dict[str, Any], seen: dict[str, Any], fields: Iterable[str]) -> bool:
    wanted = [f for f in fields if f in sent]
    return bool(wanted) and all(
        f in seen and number_of(sent[f]) is not None and number_of(seen[f]) == number_of(sent[f]) for f in wanted
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _delivered(r: Receipt, seen: str) -> dict[str, Any]:
    return {"seen": seen, "listener": r.listener, "channel": r.channel, "event": r.event, "received": r.data}
