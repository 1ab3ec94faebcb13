"""The accelerator: clean listeners judged at once over frames, the rest by the exact Python stream.

Listeners are judged apart (`parts.py`), so the record splits by listener: those `clean.py` proves
clean get what the stream would have given them (`results.py`, then their pages' check, as
`parts.listener_part` does), the others are streamed on their own observations and every operation
and observation of no listener, exactly as a share of `parts.all_listeners` is; the two parts are
`joined`. A history the frames cannot take (a receipt of no listener) is streamed whole.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from ...record.history import HistoryData, Operation
from ...spec.contract import Contract
from ..deliveries import DeliveryLog, clean_deliveries
from ..intake import quiesced_at
from ..parts import STREAM_CHECKS, Part, all_listeners, joined, timed, views_part
from ..views import Operations
from .clean import Judging, pairs_of, unclean
from .codes import Codes
from .frame import missing, receipts_frame, receipts_of
from .owing import Listeners, Writes, owed
from .results import clean_part, latest_lines
from .texts import Texts

_LISTENING = frozenset({"subscribed", "receipt", "snapshot"})


@dataclass
class Judge:
    """One check's judging of listeners by the frames: against `contract`, deliveries later than
    `limit_s` late; `record`: log each delivery judged (`Part.deliveries`). What it works out is kept
    for every share of the same history's listeners (`shares.py`): the writes owed (each write's
    payload read in Python) and what each distinct text says (`texts`), which a fan-out repeats in
    every share. Ids are numbered across shares, so they join alike."""

    contract: Contract
    limit_s: float
    record: bool = False
    writes: Writes | None = None
    texts: Texts = field(init=False)
    indexed: Operations | None = None  # the operations as the pages' check looks them up

    def __post_init__(self) -> None:
        self.texts = Texts(self.contract)

    def operations(self, operations: list[Operation]) -> Operations:
        """The history's operations indexed for the pages' check, once for every share."""
        if self.indexed is None:
            self.indexed = Operations.of(operations)
        return self.indexed


@dataclass
class Split:
    """The clean listeners and their part (pages checked)."""

    clean: set[str] = field(default_factory=set)
    part: Part = field(default_factory=Part)


def accelerated(history: HistoryData, contract: Contract, limit_s: float, record: bool = False) -> Part:
    """The listeners' part of a history in memory: `parts.all_listeners`, the clean ones at once.
    `record`: log each delivery judged (`Part.deliveries`)."""
    split = clean_split(history, receipts_frame(history.observations), Judge(contract, limit_s, record))
    if not split.clean:
        return all_listeners(history, contract, limit_s, record)
    rest = HistoryData(
        history.meta, history.operations, [o for o in history.observations if o.listener not in split.clean]
    )
    return joined([split.part, _streamed(rest, contract, limit_s, record)])


def accelerated_frame(light: HistoryData, receipts: pl.DataFrame, judge: Judge) -> Part:
    """The same for a history whose receipts are a frame (`frame.SCHEMA`) and `light` all the rest. The
    receipts of listeners that are not clean become observations again, for them alone; at equal times
    the stream takes them after the other observations. `judge`: the check's (the same for every
    share of one history's listeners)."""
    split = clean_split(light, receipts, judge)
    others = [o for o in light.observations if o.listener not in split.clean]
    streamed = set(receipts.get_column("listener").drop_nulls().unique().to_list()) - split.clean
    rest = HistoryData(light.meta, light.operations, others + receipts_of(receipts, streamed, judge.texts.raws))
    return joined([split.part, _streamed(rest, judge.contract, judge.limit_s, judge.record)])


def _streamed(rest: HistoryData, contract: Contract, limit_s: float, record: bool) -> Part:
    """The Python stream's part of the listeners left; nothing if none is left (no subscription, no
    receipt and no page: the stream would owe, take and rebuild nothing)."""
    if not any(o.kind in _LISTENING for o in rest.observations):
        return Part()
    return all_listeners(rest, contract, limit_s, record)


def judging(light: HistoryData, receipts: pl.DataFrame, judge: Judge) -> Judging | None:
    """What the criteria look at; None if the frames cannot take the history (a receipt of no
    listener, none at all, names too many to number, or texts a hash cannot tell apart). A receipt
    missing its channel, event or text makes its listener unusual. `light`'s observations other than
    receipts say who subscribed, died or has a page. The receipts' work in polars alone (`_received`)
    runs in a thread while Python reads the writes owed: polars lets go of the GIL, so on two cores
    the two overlap. Which write or text numbers a thing first changes no verdict (ids only join)."""
    if receipts.is_empty():
        return None
    texts = judge.texts
    with ThreadPoolExecutor(1) as pool:
        received = pool.submit(_received, receipts, texts)
        if judge.writes is None:
            judge.writes = Writes.of(light.operations, judge.contract, light.meta, judge.limit_s, texts.things)
        listeners = Listeners.of(light.observations, quiesced_at(light.meta))
        seen = received.result()
    read = None if seen is None else texts.read(seen.hashed, seen.codes)
    if seen is None or read is None:
        return None
    codes, writes = seen.codes, judge.writes
    listeners.unusual.update(seen.incomplete.to_list())
    listeners.unusual.update(listeners.heard_after(receipts))
    subscribed = codes.numbered(listeners.frame()).drop("c")  # names numbered before the join, not each row of it
    owing = owed(codes.numbered(writes.frame).drop("event"), subscribed).with_columns(codes.key())
    return Judging(read, owing, pairs_of(read, owing), listeners, writes, texts, judge.limit_s)


@dataclass
class _Received:
    """The listeners of the receipts missing their channel, event or text, the names' numbers, and
    the complete receipts numbered and hashed (`Texts.hashed`)."""

    incomplete: pl.Series
    codes: Codes
    hashed: pl.DataFrame


def _received(receipts: pl.DataFrame, texts: Texts) -> _Received | None:
    """None if a receipt is of no listener or the names are too many to number."""
    lacking = missing(receipts)
    incomplete = receipts.filter(lacking).get_column("listener")
    if incomplete.null_count():
        return None
    complete = receipts.filter(~lacking)
    codes = Codes.of(complete)
    return None if codes is None else _Received(incomplete, codes, texts.hashed(complete, codes))


def clean_split(light: HistoryData, receipts: pl.DataFrame, judge: Judge) -> Split:
    """The clean listeners of `light` with `receipts`, and their part (with their deliveries, if the
    judge records them)."""
    started = time.perf_counter()
    judged = judging(light, receipts, judge)
    if judged is None:
        return Split()
    clean = set(judged.receipts.get_column("listener").unique().to_list()) - unclean(judged)
    if not clean:
        return Split()
    arrived = judged.pairs.filter(pl.col("listener").is_in(list(clean)))
    part = clean_part(arrived, judged.texts)
    if judge.record:
        part.deliveries = DeliveryLog(frames=[clean_deliveries(arrived, judge.limit_s)])
    timed(part.seconds, STREAM_CHECKS, started)
    pages = [o for o in light.observations if o.kind != "receipt" and (o.listener is None or o.listener in clean)]
    latest = latest_lines(arrived, judged.listeners.paged_since(), judged.texts)
    paged = HistoryData(light.meta, light.operations, pages)
    pages_part = views_part(paged, judge.contract, latest, part.findings, judge.operations(light.operations))
    return Split(clean, joined([part, pages_part]))
