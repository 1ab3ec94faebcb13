"""The concurrent-values fault: a line write answers, and broadcasts, the line as a concurrent later
write of it left it. Not a defect: a real backend's shape that the checker must stay silent on.

A Django view that saves a line, then serialises it again (a `refresh_from_db`, a serializer that
reads it back) after another request saved the same line, answers and broadcasts the later
write's values. Both writes' responses and events then carry the same line, and each writer's
response says what the server holds. Writes that owe a listener the same payload owe that many
copies, so a healthy run with this shape has no finding (`checks/delivery.py`).

The simulator holds a write the fault hits for WAIT_S once committed, long enough for another
write of the line to commit, then builds its answer and its broadcast from the line as it is by
then, on the writer thread, so the broadcast leaves in commit order with every other.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import serializers as ser
from .broadcast import Broadcast, Broadcaster
from .service import Outcome
from .store import Store

WAIT_S = 0.25
"""Within every scenario's latency limit: the held write's event is not late."""


@dataclass
class Held:
    """A committed line write whose answer and broadcast wait for a concurrent write of its line."""

    outcome: Outcome
    socket_id: str | None


class LaterValues:
    """What one request does in the fault: `hold` on the writer thread, `answer` back on the loop."""

    def __init__(self) -> None:
        self.held: Held | None = None

    def hold(self, outcome: Outcome, socket_id: str | None) -> None:
        self.held = Held(outcome, socket_id)

    async def answer(self, writer: ThreadPoolExecutor, store: Store, broadcaster: Broadcaster) -> Outcome:
        held = self.held
        assert held is not None
        await asyncio.sleep(WAIT_S)
        return await asyncio.get_running_loop().run_in_executor(writer, _as_now, held, store, broadcaster)


def _as_now(held: Held, store: Store, broadcaster: Broadcaster) -> Outcome:
    """The held write's answer and broadcast, built from its line as it is now, and sent."""
    row = store.line(int(held.outcome.body["id"]))
    line = ser.line_json(row) if row is not None else held.outcome.body
    outcome = Outcome(
        held.outcome.status,
        line,
        [Broadcast(b.channel, b.event, {**b.data, "line": line}) for b in held.outcome.broadcasts],
    )
    broadcaster.send(outcome.broadcasts, held.socket_id)
    return outcome
