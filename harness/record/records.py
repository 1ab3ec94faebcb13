"""The record's types: operations (invoke, then ok / fail / info) and observations, as plain data.

Jepsen-style: an operation is invoked, then completes `ok` (2xx), `fail` (the server answered
no) or `info` (no answer: we do not know whether it happened). Observations are what
listeners and servers saw. Times are one host's monotonic clock, in seconds. `HistoryData`
is what the checks consume; `harness.record.history` writes and reads it.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SLOTS = 1024


@dataclass
class Operation:
    """One HTTP change or read, with what it asked and what came back."""

    id: int
    actor: str
    kind: str
    hotel: str
    actor_hotel: str
    request: dict[str, Any]
    socket_id: str | None
    invoke: float
    type: str = "invoke"
    complete: float | None = None
    status: int | None = None
    body: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.type == "ok"

    @property
    def failed(self) -> bool:
        """No answer, or a 5xx: the server broke, whatever the write did (a 4xx is a refusal)."""
        return self.type == "info" or (self.status or 0) >= 500

    @property
    def movement(self) -> dict[str, Any] | None:
        """The movement a successful add_movement created, as its answer gave it."""
        if self.ok and self.kind == "add_movement" and isinstance(self.body, dict):
            movement = self.body.get("movement")
            return movement if isinstance(movement, dict) else None
        return None


@dataclass(slots=True)
class Observation:
    """One thing a listener or server saw. Slotted: a long run reads back millions of them."""

    kind: str
    time: float
    listener: str | None = None
    socket_id: str | None = None
    channel: str | None = None
    event: str | None = None
    data: Any = None


@dataclass
class ReceiptTally:
    """What the report needs of receipts that were not kept (a streamed check's): how many each
    listener got, and when. Counted in SLOTS slots of one width, which doubles (neighbours merged)
    when a receipt falls past the last: a receipt is drawn at its slot's middle, within half a slot
    (1/2048 of the run, or 0.5 ms) of its time, in a few kilobytes per listener however long the run.
    Slots start at `origin` (the history's time origin) or at the first receipt, if earlier (a
    hand-made file); a receipt earlier still is counted in the first slot."""

    origin: float
    width: float = 0.001
    first: float = math.inf
    last: float = -math.inf
    by_listener: Counter[str | None] = field(default_factory=Counter)
    total: array[int] = field(default_factory=lambda: array("q", bytes(8 * SLOTS)))
    slots: dict[str | None, array[int]] = field(default_factory=dict)

    def add(self, listener: str | None, t: float, n: int = 1) -> None:
        if t < self.first:
            if self.first == math.inf:
                self.origin = min(self.origin, t)
            self.first = t
        self.last = max(self.last, t)
        slot = max(0, int((t - self.origin) / self.width))
        while slot >= SLOTS:
            self._widen()
            slot = max(0, int((t - self.origin) / self.width))
        counts = self.slots.get(listener)
        if counts is None:
            counts = self.slots[listener] = array("q", bytes(8 * SLOTS))
        counts[slot] += n
        self.total[slot] += n
        self.by_listener[listener] += n

    def merge(self, other: ReceiptTally) -> None:
        """The tally of another share of the listeners (another reader's), each of its slots added at its middle."""
        first, last = min(self.first, other.first), max(self.last, other.last)
        for listener in other.slots:
            for middle, n in other.counted(listener):
                self.add(listener, middle, n)
        self.first, self.last = first, last

    def _widen(self) -> None:
        self.width *= 2
        for counts in (self.total, *self.slots.values()):
            counts[: SLOTS // 2] = array("q", (counts[i] + counts[i + 1] for i in range(0, SLOTS, 2)))
            counts[SLOTS // 2 :] = array("q", bytes(8 * (SLOTS // 2)))

    def counted(self, listener: str | None = None, every: bool = False) -> Iterator[tuple[float, int]]:
        """(a slot's middle time, receipts in it) of one listener's slots, or of all (`every`)."""
        counts = self.total if every else self.slots.get(listener, array("q"))
        return ((self.origin + (i + 0.5) * self.width, n) for i, n in enumerate(counts) if n)


@dataclass
class Wholeness:
    """What reading a history from disk found missing (`history_read`). A history that lacks any of it
    proves nothing: its silence may be what is missing. One made in memory lacks nothing,
    so the default is whole; a file is whole only once its end record (`History.close`) is read."""

    ended: bool = True  # the end record was the file's last record
    parts: list[str] = field(default_factory=list)  # the parts it names (`History.add_part`)
    torn: list[str] = field(default_factory=list)  # files whose last line was cut
    missing: list[str] = field(default_factory=list)  # parts named but not there
    unnamed: list[str] = field(default_factory=list)  # parts beside it that it does not name
    unended: list[str] = field(default_factory=list)  # parts with no end record
    chunks: list[str] = field(default_factory=list)  # the receipts chunks its files name (`receipt_chunks`)
    problems: list[str] = field(default_factory=list)  # chunks lost, each said in a sentence

    @property
    def whole(self) -> bool:
        return self.ended and not (self.torn or self.missing or self.unnamed or self.unended or self.problems)


@dataclass
class HistoryData:
    """A history as plain data: what the checks consume. A streamed check's (`checks.streamed`) keeps
    no receipts or snapshots but the latest of each page: `tally` counts the receipts instead."""

    meta: dict[str, Any] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    tally: ReceiptTally | None = None
    wholeness: Wholeness = field(default_factory=Wholeness)

    def of_kind(self, kind: str) -> Iterator[Observation]:
        return (o for o in self.observations if o.kind == kind)

    def receipts_by_listener(self) -> Counter[str | None]:
        if self.tally is not None:
            return self.tally.by_listener
        return Counter(o.listener for o in self.of_kind("receipt"))


def fields_of(obs: Observation) -> dict[str, Any]:
    """An observation as a plain dict (its record on disk in the one-object-a-line form)."""
    return {name: getattr(obs, name) for name in Observation.__slots__}


@dataclass
class OperationTally:
    """What a run's own loops ask of its operations (when to probe, when the last write was, how many
    failed), counted as they happen: a history that keeps no operations in memory still answers."""

    invoked: int = 0
    failed: int = 0  # no answer, or a 5xx
    last: float = 0.0  # the latest invoke or completion


def completion_record(op: Operation) -> dict[str, Any]:
    return {"rec": "op", "type": op.type, "id": op.id, "complete": op.complete, "status": op.status,
            "body": op.body, "error": op.error}  # fmt: skip


def invoke_record(op: Operation) -> dict[str, Any]:
    """Its fields as they are: the record is written at once, so `asdict`'s deep copy of the request
    (most of a run's cost of recording a write) would buy nothing."""
    return {"id": op.id, "actor": op.actor, "kind": op.kind, "hotel": op.hotel, "actor_hotel": op.actor_hotel,
            "request": op.request, "socket_id": op.socket_id, "invoke": op.invoke}  # fmt: skip
