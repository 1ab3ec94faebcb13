"""What the stream (`stream.py`) is fed, held until it is safe to judge: observations put in time
order, and writes in invoke order, admitted once answered (a receipt may match any write invoked
before it, so none is judged while an earlier write is still in flight)."""

from __future__ import annotations

import bisect
import math
import operator
from collections.abc import Iterable

from ..record.history import Observation, Operation

_TIME = operator.attrgetter("time")  # an observation's time, read in C: every record is sorted by it


def quiesced_at(meta: dict[str, object]) -> float:
    """When the run stopped writing (windows end there), or never, while it has not."""
    value = meta.get("quiesced_at")
    return float(value) if isinstance(value, (int, float)) else math.inf


class Intake:
    def __init__(self, meta: dict[str, object]) -> None:
        """`meta`: the run's, read at each admission (a live run's gains `quiesced_at` as it ends)."""
        self.meta = meta
        self.buffer: list[Observation] = []  # taken, not yet judged, in time order
        self.fresh: list[Observation] = []  # fed since, in any order
        self.waiting: list[Operation] = []  # not yet admitted, by invoke
        self.answered = 0  # how many of the first waiting writes are known to be answered

    def feed(self, operations: Iterable[Operation], observations: Iterable[Observation]) -> None:
        """New writes (by invoke) and observations; completions may come later, on the same objects."""
        waiting = self.waiting
        known = len(waiting)
        waiting.extend(operations)
        if any(waiting[i - 1].invoke > waiting[i].invoke for i in range(max(known, 1), len(waiting))):
            waiting.sort(key=lambda op: op.invoke)
            self.answered = 0
        self.fresh.extend(observations)

    def first_unanswered(self) -> float:
        """The invoke of the earliest waiting write not yet answered. An answer is never taken back,
        so the scan goes on from where the last one stopped: a file read as a stream may hand over
        every write before the first receipt, and a scan from the start at each step would cost
        the square of them."""
        waiting, index = self.waiting, self.answered
        while index < len(waiting) and waiting[index].type != "invoke":
            index += 1
        self.answered = index
        return waiting[index].invoke if index < len(waiting) else math.inf

    def ready(self, frontier: float) -> list[Observation]:
        """The observations before `frontier`, in time order, taken out. Fresh records join the buffer
        in time order: sorted alone, they usually all come after it and are appended; only when they
        overlap is the whole buffer sorted again (stably, so equal times keep the order they were fed
        in, either way)."""
        fresh, buffer = self.fresh, self.buffer
        fresh.sort(key=_TIME)
        overlap = bool(buffer and fresh and fresh[0].time < buffer[-1].time)
        buffer.extend(fresh)
        if overlap:
            buffer.sort(key=_TIME)
        self.fresh = []
        cut = bisect.bisect_left(buffer, frontier, key=_TIME)
        ready, self.buffer = buffer[:cut], buffer[cut:]
        return ready

    def admitted(self, until: float, inclusive: bool, finished: bool) -> list[Operation]:
        """Writes invoked before `until` (at it too, for a receipt), taken out; those owed something
        (succeeded before quiescence) returned. One still in flight is never admitted (`advance`
        keeps the frontier behind it): it and those after it wait, unless the record is `finished`."""
        waiting = self.waiting
        quiesced = quiesced_at(self.meta)
        count = 0
        owing = []
        while count < len(waiting) and (
            waiting[count].invoke < until or (inclusive and waiting[count].invoke == until)
        ):
            op = waiting[count]
            if op.type == "invoke" and not finished:
                break
            count += 1
            if op.ok and op.complete is not None and op.invoke < quiesced:
                owing.append(op)
        del waiting[:count]
        self.answered = max(0, self.answered - count)
        return owing

    @property
    def held(self) -> int:
        return len(self.buffer) + len(self.fresh) + len(self.waiting)
