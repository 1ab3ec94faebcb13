"""What each distinct delivered text says, read once in Python: a run delivers far fewer distinct
(event, text) than receipts (a fan-out repeats one text to every listener), so the per-receipt work
left is joins on small integer ids.

The reading is the stream's own (`model.Payloads`, `routing.route`), so a text means here exactly
what it means there. Python values (entity keys, fingerprints, line ids) become ids through
dictionaries, so two values are the same id exactly when Python finds them equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ...record.history import Observation
from ...spec.contract import LINE_EVENTS, Contract
from ..model import Payloads, Receipt
from ..routing import route
from .codes import Codes

_HASH = (pl.col("text").hash(34) ^ (pl.col("e") * 2**40)).alias("h")


@dataclass
class Ids:
    """Python values (hashable) numbered as first seen."""

    known: dict[Any, int] = field(default_factory=dict)

    def of(self, value: Any) -> int:
        found = self.known.get(value)
        if found is None:
            found = self.known[value] = len(self.known)
        return found


@dataclass
class Texts:
    """Every distinct (event, text): its payload (by text id) and the ids the frames join on."""

    contract: Contract
    things: Ids = field(default_factory=Ids)  # (entity key, fingerprint): what a write owes and a copy carries
    lines: Ids = field(default_factory=Ids)  # line ids (None too: a line event without one)
    applied: Ids = field(default_factory=Ids)  # the tuples of routing checks that applied
    read_as: list[Receipt] = field(default_factory=list)  # by text id: a receipt of it (its text, payload)
    known: dict[tuple[str, str], Receipt] = field(default_factory=dict)
    """(event, text) -> its reading, kept across frames of other listeners (`shares.py`): the routing
    verdicts are kept on its payload (`routing.route`)."""

    def read(self, receipts: pl.DataFrame, codes: Codes) -> pl.DataFrame | None:
        """`receipts` with their names' numbers (`codes`), text_id, thing (null: no entity), key, line
        (null: no line id), line_event, routed_clean (no routing finding on its channel) and applied
        (routing checks' id). Texts are told apart by a hash of (event, text), checked to tell every
        distinct pair apart; None if two share one."""
        hashed = codes.numbered(receipts).with_columns(_HASH)
        distinct = hashed.group_by("h").agg(pl.col("event", "text").first(), pl.col("text").n_unique().alias("n"))
        if distinct.get_column("n").max() != 1:  # two texts share a hash (one text of two events cannot)
            return None
        reader = Payloads(self.contract)
        rows: dict[str, list[Any]] = {"thing": [], "line": [], "line_event": []}
        for event, text in distinct.select("event", "text").iter_rows():
            receipt = self.known.get((event, text))
            if receipt is None:
                receipt = self.known[(event, text)] = reader.receipt(
                    Observation("receipt", 0.0, None, None, None, event, text)
                )
            self.read_as.append(receipt)
            payload = receipt.payload
            rows["thing"].append(None if payload.key is None else self.things.of((payload.key, payload.fingerprint)))
            rows["line"].append(None if payload.line_id is None else self.lines.of(payload.line_id))
            rows["line_event"].append(payload.logical in LINE_EVENTS)
        ids = distinct.select(
            "h",
            pl.Series("text_id", range(len(self.read_as)), pl.UInt32),
            pl.Series("thing", rows["thing"], pl.UInt32),
            pl.Series("line", rows["line"], pl.UInt32),
            pl.Series("line_event", rows["line_event"], pl.Boolean),
        )
        with_ids = hashed.drop("text").join(ids, on="h").drop("h").with_columns(codes.key())
        return with_ids.join(self._routed(with_ids), on=["text_id", "c"], how="left")

    def _routed(self, receipts: pl.DataFrame) -> pl.DataFrame:
        """Routing's verdict once per distinct (text, channel)."""
        pairs = receipts.unique(subset=["text_id", "c"]).select("text_id", "c", "channel")
        clean, applied = [], []
        for text_id, _, channel in pairs.iter_rows():
            found, checks = route(self.contract, _on(self.read_as[text_id], channel))
            clean.append(not found)
            applied.append(self.applied.of(checks))
        return pairs.select(
            "text_id",
            "c",
            pl.Series("routed_clean", clean, pl.Boolean),
            pl.Series("applied", applied, pl.UInt32),
        )

    def data(self, text_id: int) -> Any:
        return self.read_as[text_id].payload.data

    def checks_applied(self) -> dict[int, tuple[str, ...]]:
        return {number: checks for checks, number in self.applied.known.items()}


def _on(read: Receipt, channel: str) -> Receipt:
    """A receipt of the text `read` holds on `channel`, as routing judges one (who got it does not
    matter to it)."""
    return Receipt("", None, channel, read.event, read.raw, 0.0, read.payload)
