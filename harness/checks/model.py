"""Derived, indexed views of a history that every check shares; built once, in one pass each.

Correlation (docs/contract.md): an observation matches an operation by (channel, event
name, key). The key is the line id for counted updates (with the counted values as a
fingerprint, which counters keep unique), the movement id for movements, and the
stocktake id for stocktake events.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ..record.history import Observation, Operation
from ..spec.contract import LINE_EVENTS, Contract

Key = tuple[str, Any]


@dataclass(slots=True)
class Payload:
    """What one delivered text says, worked out once: a fan-out delivers the same (event, text) to
    every listener, so their receipts share this and the checks never re-derive it per receipt."""

    data: Any
    logical: str | None
    key: Key | None
    fingerprint: Any
    line_id: Any
    routing: dict[str, Any] = field(default_factory=dict)  # channel -> routing.py's verdict, judged once
    diffs: dict[int, list[str]] = field(default_factory=dict)  # operation -> how this text differs from it
    first: float = 0.0  # when it was first received, or last copied as far as the stream's forgetting knows
    held: dict[tuple[str, str], tuple[float, int | None, float]] = field(default_factory=dict)
    """(listener, channel) -> (its first copy's time, the write its latest copy matched, its latest
    copy's time): who got a copy, and when last, for duplicates."""


@dataclass(slots=True)
class Receipt:
    listener: str
    socket_id: str | None
    channel: str
    event: str
    raw: str
    time: float
    payload: Payload

    @property
    def data(self) -> Any:
        return self.payload.data


@dataclass(slots=True)
class Interval:
    """One connection's subscription to a channel: from success until that connection ended."""

    listener: str
    socket_id: str | None
    channel: str
    start: float
    end: float
    planned_end: bool = False


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _told(value: Any) -> Any:
    """A value a text gives as an id or a counted figure, as a key can hold it: a list or an object
    (a backend's mistake) as its JSON, which no write's answer matches unless it says the same."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, dict)) else value


def entity(logical: str | None, data: Any) -> Key | None:
    d = _as_dict(data)
    if logical == "line-counted-updated":
        line_id = _line_id(d)
        return ("line", line_id) if line_id is not None else None
    if logical == "line-movement-added":
        movement_id = _as_dict(d.get("movement")).get("id")
        return ("movement", _told(movement_id)) if movement_id is not None else None
    if logical == "stocktake-created":
        return ("stocktake", _told(d.get("id"))) if d.get("id") is not None else None
    if logical is not None:
        return ("stocktake", _told(d.get("stocktake_id"))) if d.get("stocktake_id") is not None else None
    return None


def fingerprint(logical: str | None, line: Any) -> Any:
    if logical == "line-counted-updated":
        ln = _as_dict(line)
        return (_told(ln.get("counted_full_units")), _told(ln.get("counted_partial_units")))
    return None


def _line_id(d: dict[str, Any]) -> Any:
    line_id = d.get("line_id")
    return _told(_as_dict(d.get("line")).get("id") if line_id is None and "line_id" not in d else line_id)


def line_id_of(logical: str | None, data: Any) -> Any:
    return _line_id(_as_dict(data)) if logical in LINE_EVENTS else None


def stocktake_of(op: Operation) -> int | None:
    """The stocktake an operation concerns: from the request, else from the response."""
    sid = op.request.get("stocktake_id")
    if sid is None and isinstance(op.body, dict):
        sid = op.body.get("id") if op.kind == "create_stocktake" else op.body.get("stocktake")
    return int(sid) if sid is not None else None


def expected_event(op: Operation) -> tuple[Key | None, Any, Any]:
    """(entity key, fingerprint, the payload the event must agree with) for a successful write."""
    return expected_at(op, stocktake_of(op))


def expected_at(op: Operation, sid: int | None) -> tuple[Key | None, Any, Any]:
    """`expected_event` of a write whose stocktake (`stocktake_of`) is known: the columnar engine's
    writes owed route by it too, and find it once."""
    body = _as_dict(op.body)
    if op.kind == "patch_line":
        return ("line", body.get("id")), fingerprint("line-counted-updated", body), {"line": body}
    if op.kind == "add_movement":
        return (
            ("movement", _as_dict(body.get("movement")).get("id")),
            None,
            {k: body[k] for k in ("movement", "line") if k in body},
        )
    if op.kind == "delete_stocktake":
        return ("stocktake", sid), None, {"stocktake_id": sid}
    return ("stocktake", sid), None, body


class Payloads:
    """One JSON parse and one reading per distinct (event, text), shared by every receipt of it."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.known: dict[tuple[str, str], Payload] = {}

    def receipt(self, obs: Observation) -> Receipt:
        event, raw, payload = self.text(obs)
        return Receipt(obs.listener or "?", obs.socket_id, obs.channel or "", event, raw, obs.time, payload)

    def text(self, obs: Observation) -> tuple[str, str, Payload]:
        """(event, text, its Payload): what `receipt` reads, without a Receipt (the stream builds one
        only for a receipt it judges in full)."""
        data, event = obs.data, obs.event or ""
        raw = data if isinstance(data, str) else json.dumps(data)
        text = (event, raw)
        payload = self.known.get(text)
        if payload is None:
            payload = self.known[text] = _payload(self.contract.logical(event), raw)
            payload.first = obs.time
        return event, raw, payload

    def forget(self, before: float) -> None:
        """Texts nobody got a copy of since `before`: their parse, verdicts and who got one (the stream
        reads a copy later as no copy again). One copied since is kept, as if first seen then."""
        known = self.known
        for text in list(itertools.takewhile(lambda text: known[text].first < before, known)):
            payload = known.pop(text)
            payload.first = max((copies[2] for copies in payload.held.values()), default=payload.first)
            if payload.first >= before:
                known[text] = payload


class LineReceipts:
    """The receipts about some lines, one copy of each fan-out: what write-despite-error holds a failed
    write against, taken from a history in memory or read from its file again (`take` each one, in
    any order: a listener process's records come last in a file). In time order, a copy within
    FANOUT_S of the one kept is the same delivery to another listener; a later one is kept too (the
    same text sent again, by a later write)."""

    FANOUT_S = 1.0
    CACHE = 10_000

    def __init__(self, contract: Contract, lines: set[Any]) -> None:
        self.lines = lines
        self._payloads = Payloads(contract)
        self._taken: list[Receipt] = []

    def take(self, obs: Observation) -> None:
        if obs.kind != "receipt":
            return
        if len(self._payloads.known) > self.CACHE:
            self._payloads.known.clear()
        r = self._payloads.receipt(obs)
        if r.payload.line_id in self.lines:
            self._taken.append(r)

    @property
    def receipts(self) -> list[Receipt]:
        kept: dict[tuple[str, str], float] = {}
        out = []
        for r in sorted(self._taken, key=lambda r: (r.time, r.listener, r.channel)):  # read in any order
            first = kept.get((r.event, r.raw))
            if first is None or abs(r.time - first) > self.FANOUT_S:
                kept[(r.event, r.raw)] = r.time
                out.append(r)
        return out


_DECODE = msgspec.json.Decoder().decode


def parsed(raw: str) -> Any:
    """`raw`'s JSON as `json.loads` reads it, None if it is not JSON. msgspec reads a text several
    times faster, and whatever it reads it reads alike; what it refuses that `json.loads` takes (NaN,
    Infinity, numbers beyond a float, lone surrogates) is left to `json.loads`."""
    try:
        return _DECODE(raw)
    except msgspec.DecodeError:
        pass
    try:
        return json.loads(raw)
    except ValueError:
        return None


def read_text(logical: str | None, raw: str) -> tuple[Any, Key | None, Any, Any]:
    """(its JSON, entity key, fingerprint, line id): what a text of the event `logical` says, as a
    `Payload` holds it (the columnar engine keeps these alone, not a Payload per text)."""
    data = parsed(raw)
    if not isinstance(data, dict):
        return data, entity(logical, data), None, line_id_of(logical, data)
    fingerprinted = fingerprint(logical, data.get("line"))
    if logical == "line-counted-updated":  # most texts: its entity is its line, found once for both
        line_id = _line_id(data)
        return data, None if line_id is None else ("line", line_id), fingerprinted, line_id
    return data, entity(logical, data), fingerprinted, line_id_of(logical, data)


def _payload(logical: str | None, raw: str) -> Payload:
    data, key, fingerprinted, line_id = read_text(logical, raw)
    return Payload(data, logical, key, fingerprinted, line_id)
