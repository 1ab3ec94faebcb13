"""A counter's re-save: it reads the line and PATCHes the values it holds, flagged `resave`; the event
repeats the line's last one, and the checker owes it as a second copy, not a duplicate."""

from __future__ import annotations

from harness.bots.counter import CounterStyle
from harness.checks import check
from harness.spec.contract import Contract
from harness.testing import assert_no_findings, wait_until
from tests.support import fresh_stocktake


def test_a_re_save_repeats_the_line_and_is_owed_as_a_second_copy(
    stocksync_api, stocksync_listeners, stocksync_counters, stocksync_history
) -> None:
    sid = fresh_stocktake(stocksync_api)
    line = stocksync_api.send(stocksync_api.list_lines(sid)).body[0]
    (viewer,) = stocksync_listeners([Contract().channel("detail", stocksync_api.hotel, sid)])
    typist, resaver = (
        stocksync_counters(sid, [line], style=CounterStyle(think_ms=(0, 0), resave_chance=chance))[0]
        for chance in (0.0, 1.0)
    )
    typed = typist.type_count(line)
    read, resave = resaver.step()
    assert (read.kind, resave.kind, resave.request.get("resave")) == ("get_line", "patch_line", True)
    assert resave.ok and resave.body == read.body == typed[-1].body, "the line saved again, unchanged"
    wait_until(lambda: viewer.recorder.receipts >= len(typed) + 1, 10, what="the re-save's event")
    result = check(stocksync_history.data, Contract())
    assert_no_findings(result)
    assert result.counts["matched"] == len(typed) + 1
