"""Receipts and snapshots on disk in a few bytes each: the history's bulk, written compactly.

A fan-out writes the same event text to every listener, and a run has few listeners, sockets,
channels and event names. So each distinct text is written once (`["p", id, text]`), each name
once (`["n", kind, id, name]`), and a receipt is one short array of ids and a time relative to
the history's `time_origin`: `["r", 1.234567, 3, 4, 1, 2, 17]`. A snapshot (a page's GET of its
lines) is the same with tag `"s"`: many listeners load the same view, and its JSON is kept once,
so a view costs its bytes once however many pages hold it. Reading gives back the very same
`Observation`s; histories in the older one-object-a-record form still read.

Texts are numbered round a ring of TEXT_SLOTS: the oldest is forgotten when the ring comes round,
and written again if it is seen again. A fan-out's copies arrive together, so they still share
one definition, and neither the writer nor a reader holds more than TEXT_SLOTS texts however long
the run: a long run's memory stays flat.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .records import Observation

LISTENER, SOCKET, CHANNEL, EVENT = "l", "s", "c", "e"
TAGS = {"receipt": "r", "snapshot": "s"}
TEXT_SLOTS = 4096


def _line(record: list[Any]) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"


class ReceiptEncoder:
    """Turns a receipt into the lines to append: definitions of what is new, then the receipt."""

    def __init__(self, origin: float) -> None:
        self.origin = origin
        self._names: dict[tuple[str, str | None], int] = {}
        self._ids: dict[tuple[str | None, ...], tuple[int, ...]] = {}  # (listener, socket, channel, event)
        self._payloads: dict[str, int] = {}
        self._slots: list[str | None] = [None] * TEXT_SLOTS
        self._written = 0

    def _name(self, kind: str, value: str | None, out: list[str]) -> int:
        key = (kind, value)
        index = self._names.get(key)
        if index is None:
            index = self._names[key] = len(self._names)
            out.append(_line(["n", kind, index, value]))
        return index

    def encode(self, obs: Observation) -> str:
        """A receipt's data is its event text; a snapshot's, the view it loaded (kept as JSON text)."""
        text = obs.data if isinstance(obs.data, str) else json.dumps(obs.data, separators=(",", ":"))
        out: list[str] = []
        whose = (obs.listener, obs.socket_id, obs.channel, obs.event)
        ids = self._ids.get(whose)
        if ids is None:
            named = zip((LISTENER, SOCKET, CHANNEL, EVENT), whose, strict=True)
            ids = self._ids[whose] = tuple(self._name(kind, value, out) for kind, value in named)
        payload = self._payloads.get(text)
        if payload is None:
            payload = self._written % TEXT_SLOTS
            self._written += 1
            forgotten = self._slots[payload]
            if forgotten is not None:
                del self._payloads[forgotten]
            self._slots[payload] = text
            self._payloads[text] = payload
            out.append(_line(["p", payload, text]))
        # as _line writes it (a float's repr is its JSON), without json.dumps: this is every receipt
        at = round(obs.time - self.origin, 6)
        out.append(f'["{TAGS[obs.kind]}",{at!r},{ids[0]},{ids[1]},{ids[2]},{ids[3]},{payload}]\n')
        return "".join(out)


class ReceiptDecoder:
    """Reads the compact records back, in file order (a definition always precedes its use).
    `listeners`: whose receipts and snapshots to read; the others' are skipped before they cost an
    object (a reader that checks a share of the listeners)."""

    def __init__(self, listeners: Callable[[str | None], bool] | None = None) -> None:
        self.names: dict[tuple[str, int], str | None] = {}
        self.payloads: dict[int, str] = {}
        self.listeners = listeners

    def decode(self, record: list[Any], origin: float) -> Observation | None:
        tag = record[0]
        if tag == "n":
            _, kind, index, value = record
            if not isinstance(index, int) or not (value is None or isinstance(value, str)):
                raise TypeError("a name definition is [n, kind, int, text]")
            self.names[(kind, index)] = value
            return None
        if tag == "p":
            _, index, text = record
            if not isinstance(index, int) or not isinstance(text, str):
                raise TypeError("a payload definition is [p, int, text]")
            self.payloads[index] = text
            return None
        if tag in ("r", "s"):
            _, at, listener, socket_id, channel, event, payload = record
            if isinstance(at, bool) or not isinstance(at, (int, float)):
                raise TypeError("a receipt's time is a number")
            if self.listeners is not None and not self.listeners(self.names[(LISTENER, listener)]):
                return None
            text = self.payloads[payload]
            return Observation("receipt" if tag == "r" else "snapshot", origin + at,
                               self.names[(LISTENER, listener)], self.names[(SOCKET, socket_id)],
                               self.names[(CHANNEL, channel)], self.names[(EVENT, event)],
                               text if tag == "r" else json.loads(text))  # fmt: skip
        raise ValueError(f"unknown compact record {tag!r}")
