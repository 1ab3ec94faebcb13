"""The per-listener checks, run on one share of the listeners; big histories use every core.

Delivery, routing, ordering and views judge each listener's receipts on their own (against
all operations), so listeners can be split across processes and the findings joined: the
result is the same as one pass. Forked workers read the history from the parent's memory,
so nothing large is copied in; only findings and latency samples come back.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..record.history import FAILURE, HistoryData, Observation
from ..runtime import gevent_patched
from ..spec.contract import Contract
from .deliveries import DeliveryLog
from .findings import Finding
from .latency import Latencies
from .rules import named
from .stream import ListenerStream
from .views import LatestLines, Operations, check_views

PARALLEL_MIN_RECEIPTS = 250_000
_SOURCE: tuple[list[HistoryData], Contract, float, bool] | None = None


@dataclass
class Part:
    findings: list[Finding] = field(default_factory=list)
    by_event: dict[str, Latencies] = field(default_factory=dict)
    by_listener: dict[str, dict[str, Any]] = field(default_factory=dict)
    receipts: int = 0
    matched: int = 0
    judged: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    slowest: dict[tuple[int, str], float] = field(default_factory=dict)
    deliveries: DeliveryLog | None = None  # each delivery judged, if asked for (`deliveries.py`)


STREAM_CHECKS = named("delivery", "routing", "ordering")
"""The checks one stream pass makes together (so they share its time)."""


def timed(seconds: dict[str, float], names: tuple[str, ...], started: float) -> float:
    """Charge the time since `started` to every check of one pass (they share it); returns now."""
    now = time.perf_counter()
    for name in names:
        seconds[name] = seconds.get(name, 0.0) + now - started
    return now


def listener_part(history: HistoryData, contract: Contract, limit_s: float, record: bool = False) -> Part:
    """Delivery, routing and ordering share one pass (`stream.py`), so they share its time. `record`:
    log each delivery judged (`Part.deliveries`)."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    stream = ListenerStream(contract, limit_s, history.meta, deliveries=DeliveryLog() if record else None)
    stream.feed(history.operations, history.observations)
    stream.finish()
    timed(seconds, STREAM_CHECKS, started)
    part = stream_part(stream, seconds)
    return joined([part, views_part(history, contract, stream.latest, part.findings)])


def stream_part(stream: ListenerStream, seconds: dict[str, float]) -> Part:
    """What a finished stream judged."""
    totals = stream.totals
    return Part(
        list(totals.findings), totals.by_event, stream.latency_by_listener(), totals.receipts, totals.matched,
        stream.judged(), seconds, totals.slowest, stream.deliveries,
    )  # fmt: skip


def views_part(
    history: HistoryData,
    contract: Contract,
    latest: LatestLines,
    found: list[Finding],
    indexed: Operations | None = None,
) -> Part:
    """The pages' check (divergence): `history` holds their snapshots, `latest` the line events the
    streams left on them, `found` the listeners' findings (which may explain a page's lines), `indexed`
    its operations, if already indexed. The page of a listener the harness lost (its worker died)
    stopped with it: it is not compared with the server."""
    started = time.perf_counter()
    dead = {o.listener for o in history.of_kind(FAILURE) if o.listener}
    if dead:
        alive = [o for o in history.observations if o.kind != "snapshot" or o.listener not in dead]
        history = HistoryData(history.meta, history.operations, alive)
    judged: Counter[str] = Counter()
    pages = Part(list(check_views(history, contract, latest, judged, list(found), indexed)), judged=judged)
    timed(pages.seconds, named("views"), started)
    return pages


def _run_share(index: int) -> Part:
    assert _SOURCE is not None
    histories, contract, limit_s, record = _SOURCE
    return listener_part(histories[index], contract, limit_s, record)


def _shares(per_listener: Counter[str], count: int) -> list[set[str]]:
    """Listeners in `count` groups of about equal receipts (largest first, into the lightest group)."""
    groups: list[tuple[int, set[str]]] = [(0, set()) for _ in range(count)]
    for listener, receipts in per_listener.most_common():
        load, members = min(groups, key=lambda g: g[0])
        groups.remove((load, members))
        members.add(listener)
        groups.append((load + receipts, members))
    return [members for _, members in groups if members]


def split(history: HistoryData, shares: list[set[str]]) -> list[HistoryData]:
    """One history per share: its listeners' observations and every observation of no listener.
    Split here, before the fork, so that each worker touches only its own share's objects: a
    forked worker that reads an object copies its memory page (reference counts are writes)."""
    share_of = {listener: index for index, members in enumerate(shares) for listener in members}
    split: list[list[Observation]] = [[] for _ in shares]
    for obs in history.observations:
        if obs.listener is None:
            for observations in split:
                observations.append(obs)
        else:
            split[share_of[obs.listener]].append(obs)
    return [HistoryData(history.meta, history.operations, observations) for observations in split]


def all_listeners(history: HistoryData, contract: Contract, limit_s: float, record: bool = False) -> Part:
    global _SOURCE
    per_listener: Counter[str] = Counter()  # every listener, those that received nothing included
    for obs in history.observations:
        if obs.listener is not None:
            per_listener[obs.listener] += obs.kind == "receipt"
    cores = os.cpu_count() or 1
    # under gevent (Locust) a process pool's threads would be greenlets: stay serial there
    if (
        sum(per_listener.values()) < PARALLEL_MIN_RECEIPTS
        or cores < 2
        or len(per_listener) < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or gevent_patched("threading")
    ):
        return listener_part(history, contract, limit_s, record)
    shares = _shares(per_listener, min(cores, len(per_listener)))
    _SOURCE = (split(history, shares), contract, limit_s, record)
    try:
        with ProcessPoolExecutor(len(shares), mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_run_share, range(len(shares))))
    finally:
        _SOURCE = None
    return joined(parts)


def joined(parts: Iterable[Part]) -> Part:
    """Parts as one: of disjoint listeners, or a pass's and the pages' check."""
    whole = Part()
    for part in parts:
        whole.findings += part.findings
        for event, values in part.by_event.items():
            whole.by_event.setdefault(event, Latencies()).merge(values)
        whole.by_listener.update(part.by_listener)
        whole.receipts += part.receipts
        whole.matched += part.matched
        whole.judged.update(part.judged)
        if not whole.slowest and min(part.slowest.values(), default=0.0) >= 0.0:
            whole.slowest.update(part.slowest)  # what the max below keeps: the first part's, none below 0
        else:
            for change, latency in part.slowest.items():
                whole.slowest[change] = max(latency, whole.slowest.get(change, 0.0))
        if part.deliveries is not None:
            whole.deliveries = whole.deliveries or DeliveryLog()
            whole.deliveries.merge(part.deliveries)
        for name, spent in part.seconds.items():
            whole.seconds[name] = whole.seconds.get(name, 0.0) + spent
    return whole
