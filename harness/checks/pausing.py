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
