"""Things to do at a time, taken earliest first, ties in the order added: the stream's closes and
settles, the live check's writes waiting to settle.

A heap would do, but these are added nearly in time order within a lane (a write's window closes,
and it settles, a constant after its completion, and writes come by invoke), so each lane is kept
as a sorted list read from a head: adding one in order appends it, and taking the earliest steps
the head, where a heap's pop sifted through every level of it. One added out of order is inserted
where it belongs (by bisection), never before the head. Lanes keep apart what is added in time
order only apart (closes and settles interleaved would make every close an insertion far from
the end); what is taken from several is merged. Taken entries are dropped from a lane now and
then, all at once.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Generic, TypeVar

T = TypeVar("T")
Entry = tuple[float, int, T]
"""(when, the order it was added in, what): unique, so entries compare by time, then order."""

_COMPACT = 1024  # taken entries are dropped once at least this many and half the lane


class _Lane(Generic[T]):
    def __init__(self) -> None:
        self.entries: list[Entry[T]] = []
        self.head = 0  # entries before it are taken

    def add(self, entry: Entry[T]) -> None:
        entries = self.entries
        if len(entries) == self.head or entry[0] >= entries[-1][0]:
            entries.append(entry)
        else:
            bisect.insort(entries, entry, lo=self.head)

    def take(self, before: float | None) -> list[Entry[T]]:
        entries, head = self.entries, self.head
        if before is None:
            end = len(entries)
        else:
            end = head
            while end < len(entries) and entries[end][0] < before:
                end += 1
        taken = entries[head:end]
        if end >= _COMPACT and end * 2 >= len(entries):
            del entries[:end]
            end = 0
        self.head = end
        return taken


class Timeline(Generic[T]):
    def __init__(self, lanes: int = 1) -> None:
        self._lanes: list[_Lane[T]] = [_Lane() for _ in range(lanes)]
        self._seq = itertools.count()

    def add(self, when: float, what: T, lane: int = 0) -> None:
        """`what` is due at `when`; `lane`: where things are added in time order among themselves."""
        self._lanes[lane].add((when, next(self._seq), what))

    def first(self) -> float:
        """When the earliest entry not taken is due; infinity if none is left."""
        first = math.inf  # a loop, not min() over a generator: the stream asks after every write it admits
        for lane in self._lanes:
            if lane.head < len(lane.entries) and lane.entries[lane.head][0] < first:
                first = lane.entries[lane.head][0]
        return first

    def take(self, before: float | None = None) -> list[Entry[T]]:
        """The entries due before `before` (every one, if None), earliest first, taken out."""
        if len(self._lanes) == 1:
            return self._lanes[0].take(before)
        taken = [entry for lane in self._lanes for entry in lane.take(before)]
        taken.sort()
        return taken

    def __len__(self) -> int:
        return sum(len(lane.entries) - lane.head for lane in self._lanes)
