"""A run's record built step by step for the drivers' property test (`test_drivers_agree.py`): writes to
a few lines of one stocktake by two counters, listeners subscribing and disconnecting, and what became
of each listener's copy of each write's event, as timed records (`oracle.py` says what the checker
must find in them).

Times are rounded to the microsecond, as the file keeps them, so every driver reads the same times;
some fates put a copy on a boundary the checker decides by (the limit, a window's close, a settle),
where the drivers must still agree.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.checks.stream import GRACE_S
from harness.record.records import HistoryData, Observation, Operation

LIMIT_S = 1.0
HOTEL = "hotel-property"
STOCKTAKE = 5
CHANNEL = f"{HOTEL}-stocktake-{STOCKTAKE}"
EVENT = "line-counted-updated"
VIEWERS = ("viewer-0", "viewer-1", "viewer-2")
WRITERS = {"counter-1": ("9.9", "counter-1-browser"), "counter-2": ("9.8", "counter-2-browser")}
"""Each counter's socket and its own page: its connection sends every write's socket_id, so it is owed
nothing (its copy, the `echo` fate, is a self-echo)."""
LINES = (1701, 1702)
ANSWERS_S = (0.05, 0.4)  # how long a write's HTTP answer takes: the slower lets a later write commit first
STOP_S = 0.1  # from the truth to the fleet's stop: the listeners disconnect after the run quiesced
ON_TIME_S = {
    "deliver": 0.02,  # before the answer: Pusher is often faster than the HTTP response
    "duplicate": 0.02,
    "stale": 0.02,  # the line's previous event's text, for this write
    "echo": 0.02,  # to the writer's own page too
    "delayed": 0.6,  # within the limit, after the next write of the line if it follows soon: reordered
    "at-limit": LIMIT_S,  # the limit to the microsecond
    "late": LIMIT_S + 1.0,  # past the latency limit, within the grace
}
AFTER_ANSWER_S = {
    "at-close": LIMIT_S,  # as the window closes
    "at-settle": LIMIT_S + GRACE_S,  # as the write settles
    "past-grace": LIMIT_S + GRACE_S + 1.5,  # after the write settled: a miss
}
AGAIN_S = 0.05  # a duplicate's second copy, this long after the first
FATES = ("deliver",) * 6 + tuple(sorted({*ON_TIME_S, *AFTER_ANSWER_S} - {"deliver"})) + ("drop",)
"""What became of one listener's copy of one write's event (`deliver` first: hypothesis shrinks to it)."""
EXACT_FATES = {"past-grace": "late", "at-settle": "late", "stale": "deliver", "echo": "deliver"}
"""A history the oracle reads exactly has these instead: a copy after its write settled is taken by a
later write of its line, a stale one by the write it is stale for, an echo is no one's."""


OUTCOMES = {"ok": ("ok", 200), "refused": ("fail", 409), "error": ("fail", 500), "lost": ("info", None)}


@dataclass
class How:
    """How a write was made and answered."""

    writer: str = "counter-1"
    answer_s: float = ANSWERS_S[0]
    resave: bool = False
    outcome: str = "ok"  # of OUTCOMES


@dataclass
class Connection:
    listener: str
    socket: str
    start: float
    end: float = math.inf


@dataclass
class Write:
    op: Operation  # as answered: the model's; each driver records a copy of its own
    text: str
    resave: bool

    @property
    def window_end(self) -> float:
        assert self.op.complete is not None
        return self.op.complete + LIMIT_S


@dataclass
class Copy:
    listener: str
    socket: str
    time: float
    write: Write
    text: str  # the write's, or for a stale copy the line's previous event's

    def observation(self) -> Observation:
        return Observation("receipt", self.time, self.listener, self.socket, CHANNEL, EVENT, self.text)


@dataclass
class Event:
    """One record as a run would make it, at its time: an operation invoked or answered, or an observation."""

    time: float
    kind: str  # "invoke", "answer" or "observe"
    op: Operation | None = None
    obs: Observation | None = None


def line_body(line: int, partial: str) -> dict[str, Any]:
    return {
        "id": line,
        "stocktake": STOCKTAKE,
        "item_sku": f"D{line}",
        "counted_full_units": "1.00",
        "counted_partial_units": partial,
        "counted_qty": "9.0000",
    }


@dataclass
class Record:
    """The model: what happened, in the order the state machine made it happen."""

    clock: float = 1.0
    writes: list[Write] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    steps: list[float] = field(default_factory=list)  # the clock after each step: the live check's updates
    disconnects: int = 0
    irregular: int = 0  # copies by one of EXACT_FATES, or of a write that failed: no simple reading explains them
    _open: dict[str, Connection] = field(default_factory=dict)
    _lines: dict[int, dict[str, Any]] = field(default_factory=dict)
    _texts: dict[int, str] = field(default_factory=dict)  # each line's last event's text
    _sockets: int = 0

    def step(self, pause: float) -> None:
        self.clock = round(self.clock + pause, 6)
        self.steps.append(self.clock)

    def subscribe(self, listener: str, socket: str | None = None, page: bool = False) -> None:
        """`page`: the listener is a page, which loads the lines (a snapshot) once subscribed and applies
        each event it gets to them: after the run its view is held against the truth (divergence)."""
        if listener in self._open:
            return
        if socket is None:
            self._sockets += 1
            socket = f"1.{self._sockets}"
        conn = self._open[listener] = Connection(listener, socket, self.clock)
        self.connections.append(conn)
        self.observations.append(Observation("connect", self.clock, listener, socket))
        self.observations.append(Observation("subscribed", self.clock, listener, socket, CHANNEL))
        if page:
            lines = {"stocktake_id": STOCKTAKE, "hotel": HOTEL, "lines": self.lines()}
            self.observations.append(Observation("snapshot", self.clock, listener, socket, CHANNEL, data=lines))

    def disconnect(self, listener: str, planned: bool) -> None:
        """The connection ends now: a copy on its way to it after this never arrives."""
        conn = self._open.pop(listener, None)
        if conn is None:
            return
        conn.end = self.clock
        self.disconnects += 1
        self.observations.append(
            Observation("disconnect", self.clock, listener, conn.socket, data={"planned": planned})
        )
        self.copies = [c for c in self.copies if c.socket != conn.socket or c.time < self.clock]

    def write(self, line: int, fates: Sequence[str], how: How | None = None) -> None:
        """A patch of `line` (a re-save repeats its last values, so its event's text is the last one's),
        and each open connection's copies by its fate (the writer's own gets one only as an echo: Pusher
        excludes it). A refused write changes nothing and sends nothing; one that broke (a 5xx, or no
        answer) may have done both."""
        how = how or How()
        resave = how.resave and line in self._lines
        body = self._lines[line] if resave else line_body(line, f"{len(self.writes) + 1}.00")
        kind, status = OUTCOMES[how.outcome]
        socket = WRITERS[how.writer][0]
        sent = {name: body[name] for name in ("counted_full_units", "counted_partial_units")}
        request = {"stocktake_id": STOCKTAKE, "line_id": line, "body": sent, **({"resave": True} if resave else {})}
        answer = body if kind == "ok" else ({"detail": how.outcome} if status else None)
        op = Operation(
            len(self.writes) + 1, how.writer, "patch_line", HOTEL, HOTEL, request, socket, self.clock,
            kind, round(self.clock + how.answer_s, 6), status, answer, None if status else "timed out",
        )  # fmt: skip
        text = json.dumps({"line_id": line, "item_sku": body["item_sku"], "line": body})
        write = Write(op, text, resave)
        self.writes.append(write)
        if how.outcome == "refused":
            return
        self._lines[line] = body
        previous = self._texts.get(line, text)
        self._texts[line] = text
        for conn, fate in zip(self._open.values(), fates, strict=False):
            if fate == "drop" or (conn.socket == socket) != (fate == "echo"):
                continue
            start = self.clock if fate in ON_TIME_S else round(self.clock + how.answer_s, 6)
            at = round(start + {**ON_TIME_S, **AFTER_ANSWER_S}[fate], 6)
            self.copies.append(Copy(conn.listener, conn.socket, at, write, previous if fate == "stale" else text))
            self.irregular += fate in EXACT_FATES or kind != "ok"
            if fate == "duplicate":
                self.copies.append(Copy(conn.listener, conn.socket, round(at + AGAIN_S, 6), write, text))

    def quiesced_at(self) -> float:
        """After every copy and every window: the run drained before it quiesced."""
        ends = [c.time for c in self.copies] + [w.window_end for w in self.writes] + [self.clock]
        return round(max(ends) + 0.5, 6)

    def stopped(self) -> list[Observation]:
        """Every connection still open ends just after the truth is taken, as a run's fleet stops after
        it quiesced (unplanned, as a run records it): after every window, so it owes nothing new."""
        at = round(self.quiesced_at() + STOP_S, 6)
        return [Observation("disconnect", at, conn.listener, conn.socket, data={"code": None, "planned": False})
                for conn in self._open.values()]  # fmt: skip

    def lines(self) -> list[dict[str, Any]]:
        """Every line as the server holds it now: those never written as populated."""
        return [self._lines.get(line, line_body(line, "0.00")) for line in LINES]

    def truth(self) -> Observation:
        return Observation("truth", self.quiesced_at(), data={"stocktake_id": STOCKTAKE, "lines": self.lines()})

    def meta(self) -> dict[str, Any]:
        return {"scenario": "property", "latency_limit_ms": LIMIT_S * 1000, "time_origin": 0.0}

    def events(self) -> list[Event]:
        """Every record in time order (stably: as made, for equal times), but the truth."""
        made: list[Event] = []
        for w in self.writes:
            assert w.op.complete is not None
            made += [Event(w.op.invoke, "invoke", op=w.op), Event(w.op.complete, "answer", op=w.op)]
        made += [Event(o.time, "observe", obs=o) for o in self.observations]
        made += [Event(c.time, "observe", obs=c.observation()) for c in self.copies]
        return sorted(made, key=lambda e: e.time)

    def history(self) -> HistoryData:
        """The whole record as plain data, as a run's in-memory history ends (`checks.check`)."""
        meta = {**self.meta(), "quiesced_at": self.quiesced_at()}
        ops = [dataclasses.replace(w.op) for w in self.writes]
        observed = [e.obs for e in self.events() if e.obs is not None] + [self.truth(), *self.stopped()]
        return HistoryData(meta, ops, observed)
