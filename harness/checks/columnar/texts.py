"""What each distinct delivered text says, read once in Python: a run delivers far fewer distinct
(event, text) than receipts (a fan-out repeats one text to every listener), so the per-receipt work
left is joins on small integer ids.

The reading is the stream's own (`model.Payloads`, `routing.route`), so a text means here exactly
what it means there. Python values (entity keys, fingerprints, line ids) become ids through
dictionaries, so two values are the same id exactly when Python finds them equal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from ...spec.contract import LINE_EVENTS, Contract
from ..findings import payload_differs
from ..model import read_text
from ..routing import clean_texts
from .codes import Codes
from .frame import missing

_HASH = (pl.col("event").hash(34) ^ pl.col("text").hash(35)).alias("h")
"""Of the names, not of a frame's numbers for them: the same (event, text) hashes alike in every share.
Each column hashed apart: a struct's hash costs several times theirs, and two texts sharing one are
told apart anyway (`_ided`)."""
_IDS = {"h": pl.UInt64, "event": pl.String, "text": pl.String, "text_id": pl.UInt32, "thing": pl.UInt32,
        "line": pl.UInt32, "line_event": pl.Boolean}  # fmt: skip
_KEEPS: dict[str, Literal["none", "left"]] = {"inner": "none", "left": "left"}  # told keeps the spill's order
_SAYS = ("thing", "line", "line_event")
_ROUTES = {"text_id": pl.UInt32, "channel": pl.String, "routed_clean": pl.Boolean, "applied": pl.UInt32}
_DIFFERS = {"op": pl.Int64, "text_id": pl.UInt32, "differs": pl.Boolean}


@dataclass
class Ids:
    """Python values (hashable) numbered as first seen."""

    known: dict[Any, int] = field(default_factory=dict)

    def of(self, value: Any) -> int:
        return self.known.setdefault(value, len(self.known))


@dataclass
class Texts:
    """Every distinct (event, text): its payload (by text id) and the ids the frames join on. Kept
    across the frames of a history judged a share of its listeners at a time (`shares.py`): a fan-out
    repeats each text in every share, and each text, each (text, channel) routing verdict and each
    (write, text) difference is worked out in Python once, the shares after the first joining on them."""

    contract: Contract
    things: Ids = field(default_factory=Ids)  # (entity key, fingerprint): what a write owes and a copy carries
    lines: Ids = field(default_factory=Ids)  # line ids (None too: a line event without one)
    applied: Ids = field(default_factory=Ids)  # the tuples of routing checks that applied
    read_as: list[Any] = field(default_factory=list)  # by text id: what it says (its JSON)
    raws: list[str] = field(default_factory=list)  # by text id: as received
    ids: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_IDS))  # each text read, at its id's row
    hashes: dict[int, int] = field(default_factory=dict)  # each text's hash -> its id
    routes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_ROUTES))
    differing: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_DIFFERS))

    def hashed(self, receipts: pl.DataFrame, codes: Codes) -> pl.DataFrame:
        """`receipts` with their names' numbers (`codes`) and, unless `told` before (a text_id already),
        the hash of their (event, text): `read`'s work in polars alone, which reads nothing of the texts,
        so it may run in a thread while Python reads the writes (`engine.judging`)."""
        numbered = codes.numbered(receipts)
        return numbered if "text_id" in numbered.columns else numbered.with_columns(_HASH)

    def read(self, hashed: pl.DataFrame, codes: Codes) -> pl.DataFrame | None:
        """The receipts as `hashed` gave them, with text_id, thing (null: no entity), key, line (null: no
        line id), line_event, routed_clean (no routing finding on its channel) and applied (routing
        checks' id); None if two of their texts share a hash (`_ided`). Receipts `told` before (a
        share's, spilled) have their text's id already, and are only joined on what it says."""
        if "text_id" in hashed.columns:
            told = hashed.get_column("text_id")  # a text's id is its row in `ids`
            with_ids: pl.DataFrame | None = hashed.with_columns(self.ids.get_column(n).gather(told) for n in _SAYS)
        else:
            with_ids = self._ided(hashed, "inner")
        if with_ids is None:
            return None
        with_ids = with_ids.drop("text").with_columns(codes.key())
        return with_ids.join(self._routed(with_ids), on=["text_id", "c"], how="left")

    def told(self, receipts: pl.DataFrame) -> pl.DataFrame | None:
        """`receipts` (`frame.SCHEMA`) with a `text_id`: each one's with a listener, channel, event and
        text has its (event, text) read, if new, and its text left out (null), so that a share's frame
        holds a number where the text was (`check_shares`); None if two texts share a hash."""
        ided = self._ided(receipts.with_columns(pl.when(~missing(receipts)).then(_HASH).alias("h")), "left")
        if ided is None:
            return None
        return ided.select(*receipts.columns, "text_id").with_columns(
            pl.when(pl.col("text_id").is_null()).then(pl.col("text")).alias("text")
        )

    def _ided(self, hashed: pl.DataFrame, how: Literal["inner", "left"]) -> pl.DataFrame | None:
        """`hashed` (with each text's hash, `h`) joined (`how`) on what each text says. Texts are told
        apart by the hash: one text of each hash not read before is read, and every receipt is then
        checked to hold the very text read for its hash, those of frames before included; None if one
        does not (two texts share a hash)."""
        met = hashed.select("h", "event", "text").filter(pl.col("h").is_not_null()).unique(subset="h")
        hashes = met.get_column("h").to_list()
        new = met.filter(pl.Series([h not in self.hashes for h in hashes], dtype=pl.Boolean))
        if new.height:
            read = self._new(new)
            self.ids = pl.concat([self.ids, read])
            self.hashes.update(zip(read.get_column("h").to_list(), read.get_column("text_id").to_list(), strict=True))
        these = self.ids.select(pl.all().gather([self.hashes[h] for h in hashes]))  # this frame's texts, not all read
        with_ids = hashed.join(these, on="h", how=how, suffix="_read", maintain_order=_KEEPS[how])
        if with_ids.filter((pl.col("event") != pl.col("event_read")) | (pl.col("text") != pl.col("text_read"))).height:
            return None
        return with_ids.drop("h", "event_read", "text_read")

    def _new(self, texts: pl.DataFrame) -> pl.DataFrame:
        """Texts not read before, read (`model.read_text`, as `model.Payloads` reads each) and numbered."""
        first = len(self.read_as)
        thing, line = self.things.of, self.lines.of
        events, raws = texts.get_column("event").to_list(), texts.get_column("text").to_list()
        logicals = list(map(self.contract.logical, events))
        read = list(map(read_text, logicals, raws))
        self.read_as += [data for data, _, _, _ in read]
        self.raws += raws
        rows: dict[str, list[Any]] = {
            "thing": [None if key is None else thing((key, fingerprint)) for _, key, fingerprint, _ in read],
            "line": [None if line_id is None else line(line_id) for _, _, _, line_id in read],
            "line_event": [logical in LINE_EVENTS for logical in logicals],
        }
        return texts.with_columns(
            pl.Series("text_id", range(first, len(self.read_as)), pl.UInt32),
            *(pl.Series(name, values, _IDS[name]) for name, values in rows.items()),
        )

    def _routed(self, receipts: pl.DataFrame) -> pl.DataFrame:
        """Routing's verdict once per distinct (text, channel): `routing.clean_texts`, the texts of one
        (event, channel) asked together."""
        pairs = receipts.select("text_id", "c", "event", "channel").unique(subset=["text_id", "c"])
        new = pairs.join(self.routes, on=["text_id", "channel"], how="anti")
        if new.height:
            columns: dict[str, list[Any]] = {"text_id": [], "channel": [], "routed_clean": [], "applied": []}
            raw, data = self.raws.__getitem__, self.read_as.__getitem__
            for event, channel, text_ids in new.group_by("event", "channel").agg("text_id").iter_rows():
                texts = zip(map(raw, text_ids), map(data, text_ids))
                clean, checks = clean_texts(self.contract, event, channel, texts)
                columns["text_id"] += text_ids
                columns["channel"] += [channel] * len(text_ids)
                columns["routed_clean"] += clean
                columns["applied"] += [self.applied.of(checks)] * len(text_ids)
            self.routes = pl.concat([self.routes, pl.DataFrame(columns, schema=_ROUTES)])
        return pairs.join(self.routes, on=["text_id", "channel"]).select("text_id", "c", "routed_clean", "applied")

    def differ(self, pairs: pl.DataFrame, expected: Mapping[int, Any]) -> pl.DataFrame:
        """Of the distinct (op, text_id) `pairs`, those whose text differs from the write's expected
        payload (`expected`, by op: `payload_differs`), each pair judged once."""
        new = pairs.join(self.differing, on=["op", "text_id"], how="anti")
        if new.height:
            datas = self.read_as
            verdicts = [payload_differs(expected[op], datas[text]) for op, text in _columns(new, "op", "text_id")]
            self.differing = pl.concat([self.differing, new.with_columns(pl.Series("differs", verdicts, pl.Boolean))])
        return self.differing.filter(pl.col("differs")).join(pairs, on=["op", "text_id"], how="semi").drop("differs")

    def data(self, text_id: int) -> Any:
        return self.read_as[text_id]

    def checks_applied(self) -> dict[int, tuple[str, ...]]:
        return {number: checks for checks, number in self.applied.known.items()}


def _columns(frame: pl.DataFrame, *names: str) -> Iterator[tuple[Any, ...]]:
    """The rows of some of `frame`'s columns: read a column at a time, quicker than by rows."""
    return zip(*(frame.get_column(name).to_list() for name in names), strict=True)
