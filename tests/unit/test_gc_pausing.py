"""A live update hands what it leaves to the oldest generation, and never thaws a heap another part of
the process froze (a listener fleet's, `bots/fleet.py`)."""

from __future__ import annotations

import gc

from harness.checks.pausing import gc_paused_promoting


class _Held:
    """A container the cyclic collector tracks, as a write in flight is."""


def test_what_a_live_update_leaves_is_in_the_oldest_generation_and_the_collector_runs_again() -> None:
    enabled = gc.isenabled()
    gc.enable()
    try:
        with gc_paused_promoting():
            assert not gc.isenabled()
            held = _Held()
        assert gc.isenabled()
        assert any(o is held for o in gc.get_objects(generation=2))
    finally:
        if not enabled:
            gc.disable()


def test_a_live_update_leaves_a_frozen_heap_frozen() -> None:
    """The collector stays off throughout, so no collection of its own (set off by another thread's
    allocations, as pytest-xdist's are) can age what the update left. A frozen object freed
    meanwhile (by another thread) leaves the frozen count a little lower; a thaw would empty it."""
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused_promoting():
            held = _Held()
        assert gc.get_freeze_count() > frozen // 2
        assert not any(o is held for o in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
