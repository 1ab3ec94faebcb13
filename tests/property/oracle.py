"""The brute-force oracle the checker's missing, duplicate and late events are held to, for a `Record`
(`sync_model.py`): per listener, what it was owed minus what it received, as multisets of texts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from tests.property.sync_model import LIMIT_S, Copy, Record, Write

Key = tuple[str, int, str]  # (finding name, operation, listener)


def owed(record: Record, listener: str) -> list[Write]:
    """The writes `listener` is owed: one connection of it subscribed from before the invoke until the
    window closed, not the writer's own."""
    return [
        w
        for w in record.writes
        for c in record.connections
        if w.op.ok
        and c.listener == listener
        and c.socket != w.op.socket_id
        and c.start <= w.op.invoke
        and c.end >= w.window_end
    ]


def expected(record: Record) -> Counter[Key] | None:
    """Per listener, owed minus received as multisets of texts: the missing, duplicate and late events
    the checker must find, by write and listener. None where that simple reading is not the checker's
    precise one: a disconnect (a gap, and the writes owed across it), a re-save (identical texts
    owed by several writes), a copy by one of EXACT_FATES, or a copy again while a later write of the
    line is still owed (parked on it as its possible stale event, `delivery.Group`)."""
    if record.disconnects or record.irregular or any(w.resave for w in record.writes):
        return None
    found: Counter[Key] = Counter()
    for listener in {c.listener for c in record.connections}:
        mine = sorted((c for c in record.copies if c.listener == listener), key=lambda c: c.time)
        owed_writes = owed(record, listener)
        if _parked_again(owed_writes, mine):
            return None
        owes = Counter(w.text for w in owed_writes)
        got = Counter(c.text for c in mine)
        by_text = {w.text: w for w in record.writes}
        for text, n in (owes - got).items():
            found[("missing-event", by_text[text].op.id, listener)] += n
        for text, n in (got - owes).items():
            found[("duplicate-event", by_text[text].op.id, listener)] += n
        for text in got.keys() & owes.keys():
            first = next(c for c in mine if c.text == text)
            if first.time - first.write.op.invoke > LIMIT_S:
                found[("late-event", first.write.op.id, listener)] += 1
    return found


def _parked_again(owed_writes: list[Write], mine: list[Copy]) -> bool:
    """A copy again of a write's text while a later write of its line is owed and has not yet come."""
    seen: set[str] = set()
    for copy in mine:
        if copy.text in seen and any(_pending_then(mine, w, copy) for w in owed_writes):
            return True
        seen.add(copy.text)
    return False


def _pending_then(mine: list[Copy], later: Write, copy: Copy) -> bool:
    if later.op.id <= copy.write.op.id or later.op.invoke > copy.time:
        return False
    if later.op.request["line_id"] != copy.write.op.request["line_id"]:
        return False
    return not any(c.write is later and c.time < copy.time for c in mine)


def iter_keys(findings: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    """Each finding as what the drivers must agree on: (name, operation, listener, channel, event)."""
    return ((f.name, f.operation, f.listener, f.channel, f.event) for f in findings)
