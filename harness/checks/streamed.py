"""The listeners' checks of a history as it is read from disk, never held whole (`check_file.py`
reads; this judges): what an hour-long run's final check needs.

The listeners' checks are streams (`stream.py`) fed in file order and advanced as the file is read,
so they hold the in-flight window, not the run. A run's file is in time order (within a few
seconds: threads), but for the records folded in from listener processes at the end
(`History.begin_segment`): each segment's listeners get a stream of their own, fed every
operation, so each stream still takes its records in time order. Kept for the other checks and
the report: operations, every observation but receipts and snapshots, each page's latest snapshot,
and a tally of the receipts (`ReceiptTally`). A file out of time order some other way (hand-made,
edited) is checked whole instead (`check`): the same verdict, at the memory of the whole.

A reader may judge a share of the listeners (they are judged apart, `parts.py`), so that a large
file is read on every core: it skips the other shares' receipts before they cost an object.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..record.history import FAILURE, HistoryData, Observation
from ..record.records import ReceiptTally
from ..spec.contract import Contract
from .deliveries import DeliveryLog, Spill
from .parts import STREAM_CHECKS, Part, joined, stream_part, timed, views_part
from .stream import LAG_S, ListenerStream
from .views import LatestLines

SLACK_S = 5.0
"""How far back in time a record may be written after a later one of the same stream."""
FEED_EVERY = 4096
STREAMED = frozenset({"receipt", "subscribed", "disconnect", "snapshot"})
"""The observations the listener streams take; with a listener, they belong to its stream."""
Share = tuple[int, int]  # (this one, of how many)


class OutOfOrder(Exception):
    """A record older than what its stream has already judged."""


@dataclass
class _Lane:
    """One stream and what is on its way to it."""

    stream: ListenerStream
    pending: list[Observation] = field(default_factory=list)
    fed_ops: int = 0
    newest: float = -math.inf
    judged_before: float = -math.inf  # what this stream has judged: a record older is out of order


class StreamedRead:
    def __init__(
        self,
        meta: dict[str, Any],
        contract: Contract,
        limit_s: float,
        share: Share = (0, 1),
        spill: Spill | None = None,
    ) -> None:
        """`meta`: the file's, all of it (`read_meta`): windows end at `quiesced_at`, found at the end.
        `share`: the listeners this reader judges (by a hash of their names). The reader fills `data`
        (operations as they are read) and hands over each observation (`take`) and segment. `spill`:
        where each batch of the deliveries judged goes, if they are logged (`deliveries.py`)."""
        self.meta, self.contract, self.limit_s, self.share = meta, contract, limit_s, share
        self.spill = spill
        self._mine: dict[str | None, bool] = {}
        self.data = HistoryData(dict(meta))
        self.tally = ReceiptTally(float(meta.get("time_origin") or 0.0))
        self.snapshots: dict[tuple[str, Any], Observation] = {}
        self.dead: dict[str, float] = {}  # listeners the harness lost, and when (`ListenerStream.died`)
        self.lanes: list[_Lane] = [self._lane()]
        self.lane_of: dict[str, _Lane] = {}
        self.seconds: dict[str, float] = {}
        self.held_most = 0  # the most writes one stream held at once: the window, not the file

    def _lane(self) -> _Lane:
        log = None if self.spill is None else DeliveryLog(self.spill)
        lane = _Lane(ListenerStream(self.contract, self.limit_s, self.meta, deliveries=log))
        for listener, at in self.dead.items():
            lane.stream.died(listener, at)
        return lane

    @property
    def listeners(self) -> Callable[[str | None], bool] | None:
        """Whose receipts to read at all (`history.load`): this share's, or everyone's."""
        return None if self.share[1] == 1 else self.mine

    def finish(self, started: float) -> tuple[HistoryData, Part]:
        """The file has been read (since `started`, perf_counter), `data` filled: judge the rest."""
        for lane in self.lanes:
            self._feed(lane)
            lane.stream.finish()
            if lane.stream.deliveries is not None:
                lane.stream.deliveries.flush()
        timed(self.seconds, STREAM_CHECKS, started)
        part = joined(stream_part(lane.stream, {}) for lane in self.lanes)
        part.seconds = self.seconds
        self.data.observations.extend(self.snapshots.values())
        self.data.tally = self.tally
        latest: LatestLines = {}
        for lane in self.lanes:
            latest.update(lane.stream.latest)
        return self.data, joined([part, views_part(self.data, self.contract, latest, part.findings)])

    def mine(self, listener: str | None) -> bool:
        known = self._mine.get(listener)
        if known is None:
            index, count = self.share
            known = self._mine[listener] = zlib.crc32((listener or "").encode()) % count == index
        return known

    def begin_segment(self, name: str) -> None:
        """Listeners first seen from here on are another process's, in a time order of their own."""
        self.lanes.append(self._lane())

    def take(self, obs: Observation) -> None:
        kind = obs.kind
        if kind in STREAMED and self.share[1] > 1 and not self.mine(obs.listener):
            if kind in ("subscribed", "disconnect"):
                self.data.observations.append(obs)
            return
        if kind == "receipt":
            self.tally.add(obs.listener, obs.time)
        elif kind == "snapshot":
            stocktake = obs.data.get("stocktake_id") if isinstance(obs.data, dict) else None
            self.snapshots[(obs.listener or "?", stocktake)] = obs
        else:
            self.data.observations.append(obs)
        listener = obs.listener
        if kind == FAILURE and listener is not None:
            self._died(listener, obs.time)
        if listener is None or kind not in STREAMED:
            return
        lane = self.lane_of.get(listener)
        if lane is None:
            lane = self.lane_of[listener] = self.lanes[-1]
        if obs.time < lane.judged_before:
            raise OutOfOrder(f"{kind} of {listener} at {obs.time}")
        lane.pending.append(obs)
        lane.newest = max(lane.newest, obs.time)
        if len(lane.pending) >= FEED_EVERY:
            self._feed(lane)
            lane.stream.advance(lane.newest - SLACK_S)
            lane.judged_before = lane.newest - SLACK_S - LAG_S
            self.held_most = max(self.held_most, lane.stream.writes_held)

    def _died(self, listener: str, at: float) -> None:
        """Every stream learns of it, those made later too: the listener's records are in a part, read
        after the main file that says it died (`history_read`)."""
        self.dead[listener] = min(at, self.dead.get(listener, math.inf))
        for lane in self.lanes:
            lane.stream.died(listener, at)

    def _feed(self, lane: _Lane) -> None:
        ops = self.data.operations
        lane.stream.feed(ops[lane.fed_ops :], lane.pending)
        lane.fed_ops, lane.pending = len(ops), []
