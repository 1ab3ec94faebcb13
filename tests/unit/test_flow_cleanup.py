"""Target mode's cleanup deletes what the run made; a delete whose answer never came back is sent
again, and its 404 then is the harness's own doing, never the backend's refusal."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any, cast

from harness.api import ApiRequest, ApiResponse, StocktakeApi
from harness.checks import check
from harness.record.history import History, load
from harness.record.history_file import HISTORY_NAME
from harness.run.context import FlowContext
from harness.spec.contract import Contract


class _Stopped(BaseException):
    """A Locust user killed while its request is out (gevent's GreenletExit is a BaseException)."""


class _Backend(StocktakeApi):
    """Holds stocktakes 4 and 5 and deletes each once; with `kill`, the first delete of 4 is killed
    after the server took it."""

    def __init__(self, kill: bool) -> None:
        super().__init__("http://127.0.0.1:9", "h", "t")
        self.stocktakes = {4, 5}
        self.killed = not kill

    def send(self, request: ApiRequest) -> ApiResponse:
        sid = int(request.path.strip("/").split("/")[1])
        if sid not in self.stocktakes:
            return ApiResponse(404, {"detail": "Not found."}, '{"detail": "Not found."}')
        self.stocktakes.discard(sid)
        if sid == 4 and not self.killed:
            self.killed = True
            raise _Stopped
        return ApiResponse(204, None, "")


def _context(tmp_path: Path, backend: _Backend) -> FlowContext:
    history = History(tmp_path / HISTORY_NAME, {"latency_limit_ms": 1000})
    unused = cast(Any, None)
    return FlowContext(
        unused, unused, history, unused, random.Random(0), threading.Event(), created=[4, 5], remote=True, _api=backend
    )


def _refusals(tmp_path: Path, ctx: FlowContext) -> list[str]:
    ctx.history.close()
    return [f.message for f in check(load(tmp_path / HISTORY_NAME), Contract()).findings if f.name == "writes-refused"]


def test_a_delete_sent_again_after_one_cut_short_is_no_refusal_when_it_finds_the_stocktake_gone(
    tmp_path: Path,
) -> None:
    backend = _Backend(kill=True)
    ctx = _context(tmp_path, backend)
    try:
        ctx.delete_stocktake(4, actor="supervisor")
    except _Stopped:
        pass
    assert ctx.cleanup() == [] and backend.stocktakes == set()
    assert _refusals(tmp_path, ctx) == []


def test_a_first_delete_answered_404_is_still_a_refusal(tmp_path: Path) -> None:
    """The control: nothing of the run's had sent a delete of 6, so its 404 is the backend's."""
    backend = _Backend(kill=False)
    ctx = _context(tmp_path, backend)
    ctx.created.append(6)
    assert ctx.cleanup() == []
    assert _refusals(tmp_path, ctx) == ["1 of 3 delete_stocktake writes (33%) answered 404: Not found."]
