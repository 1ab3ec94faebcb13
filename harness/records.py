"""The record's types: operations (invoke, then ok / fail / info) and observations, as plain data.

Jepsen-style: an operation is invoked, then completes `ok` (2xx), `fail` (the server answered
no) or `info` (no answer: we do not know whether it happened). Observations are what
listeners and servers saw. Times are one host's monotonic clock, in seconds. `HistoryData`
is what the checks consume; `harness.history` writes and reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


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
class HistoryData:
    """A history as plain data: what the checks consume."""

    meta: dict[str, Any] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)

    def of_kind(self, kind: str) -> Iterator[Observation]:
        return (o for o in self.observations if o.kind == kind)


def fields_of(obs: Observation) -> dict[str, Any]:
    """An observation as a plain dict (its record on disk in the one-object-a-line form)."""
    return {name: getattr(obs, name) for name in Observation.__slots__}
