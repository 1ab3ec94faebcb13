"""The cyclic garbage collector paused while the checks run (the final check, a file's, each live update)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector is paused while checking: the checks build millions of small
    acyclic objects, and its repeated full passes over them cost more than the checks themselves."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@contextlib.contextmanager
def gc_paused_promoting() -> Iterator[None]:
    """`gc_paused`, for a live update: what it leaves is the writes in flight, held until they settle
    and acyclic (freed when let go, in whatever generation), so it goes to the oldest generation at
    once (`gc.freeze`, `gc.unfreeze`) rather than be walked by a young collection after every update
    and by a middle one after every few. Not while objects are frozen (a listener fleet's heap,
    `bots/fleet.py`): unfreezing would hand them back to full collections. A cycle the process made
    young by then waits for the next full collection instead of a young one."""
    with gc_paused():
        yield
        if not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
