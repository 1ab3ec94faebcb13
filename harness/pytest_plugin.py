"""pytest fixtures for teams writing their own sync tests (registered via the pytest11 entry point).

- `stocksync_stack`: the embedded default (healthy), shared by the session.
- `stocksync_stack_factory(faults=[...], **options)`: a fresh stack with faults; stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .faults import select
from .sim.stack import EmbeddedStack, StackOptions

StackFactory = Callable[..., EmbeddedStack]


@pytest.fixture(scope="session")
def stocksync_stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack() as stack:
        yield stack
        stack.check()


@pytest.fixture
def stocksync_stack_factory() -> Iterator[StackFactory]:
    started: list[EmbeddedStack] = []

    def make(faults: list[str] | tuple[str, ...] = (), **options: Any) -> EmbeddedStack:
        stack = EmbeddedStack(StackOptions(faults=select(faults), **options)).start()
        started.append(stack)
        return stack

    yield make
    for stack in started:
        stack.stop()
    for stack in started:
        stack.check()
