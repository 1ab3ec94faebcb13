"""The harness's own failures during a run, recorded as evidence rather than raised over the record.

A flow whose counter thread raised, or a drain that broke after play, leaves a history that is
still worth checking and reporting: what it recorded is evidence. The failure is written into it
(`FAILURE`), so the verdict is INCONCLUSIVE naming what failed and when, never a FAIL blamed on the
system under test, and never a lost report.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from ..errors import StocksyncError
from ..record.history import FAILURE, History
from .context import FlowContext

log = logging.getLogger("stocksync")


def play(flow: Callable[[FlowContext], None], ctx: FlowContext, what: str) -> None:
    """Play `flow`. If it breaks (a counter thread raised), the play stops and the failure is recorded:
    the run still drains, checks and reports, INCONCLUSIVE. A user's mistake (`StocksyncError`) and
    an interruption are raised."""
    try:
        flow(ctx)
    except StocksyncError:
        raise
    except Exception as exc:
        ctx.stop.set()
        record_failure(ctx.history, what, exc)


def record_failure(history: History, what: str, exc: BaseException) -> None:
    """`exc` ended `what` (the run's flow, its drain): said in the history with where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    history.observe(FAILURE, data={"what": what, "detail": f"{type(exc).__name__}: {exc}{where}"})
    log.error("the harness's own %s failed", what, exc_info=exc)
