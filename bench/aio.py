"""Every benchmark loop is the harness's own loop (uvloop where it runs), ours and the bare
baselines alike, so a ratio measures our code and not a choice of event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from harness.runtime import new_event_loop

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coro)
