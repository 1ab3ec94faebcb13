"""Things to do at a time, taken earliest first, ties in the order added: the stream's closes and
settles, the live check's writes waiting to settle.

A heap would do, but these are added nearly in time order (a write's window ends a constant after
its completion, and writes come by invoke), so they are kept as a sorted list read from a head:
adding one in order appends it, and taking the earliest steps the head, where a heap's pop sifts
through every level of it. One added out of order is inserted where it belongs (by bisection),
never before the head. Taken entries are dropped from the list now and then, all at once.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Generic, TypeVar

T = TypeVar("T")
Entry = tuple[float, int, T]
"""(when, the order it was added in, what): unique, so entries compare by time, then order."""

_COMPACT = 1024  # taken entries are dropped once at least this many and half the list


class Timeline(Generic[T]):
    def __init__(self) -> None:
        self._entries: list[Entry[T]] = []
        self._head = 0  # entries before it are taken
        self._seq = itertools.count()

    def add(self, when: float, what: T) -> None:
        entries = self._entries
        entry = (when, next(self._seq), what)
        if len(entries) == self._head or when >= entries[-1][0]:
            entries.append(entry)
        else:
            bisect.insort(entries, entry, lo=self._head)

    def first(self) -> float:
        """When the earliest entry not taken is due; infinity if none is left."""
        return self._entries[self._head][0] if self._head < len(self._entries) else math.inf

    def take(self, before: float | None = None) -> list[Entry[T]]:
        """The entries due before `before` (every one, if None), earliest first, taken out."""
        entries, head = self._entries, self._head
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
        self._head = end
        return taken

    def __len__(self) -> int:
        return len(self._entries) - self._head
