"""The pytest plugin's fixtures, used the way a team writing its own sync test would."""

from __future__ import annotations

import pytest

from harness.checks import check
from harness.contract import Contract
from harness.testing import assert_no_findings, wait_until
from tests.support import fresh_stocktake


def test_hand_written_sync_test_with_the_fixtures(
    stocksync_api, stocksync_listeners, stocksync_counters, stocksync_history
) -> None:
    stocktake_id = fresh_stocktake(stocksync_api)
    lines = stocksync_api.send(stocksync_api.list_lines(stocktake_id)).body[:5]
    channel = Contract().channel("detail", stocksync_api.hotel, stocktake_id)
    viewers = stocksync_listeners([channel], count=2)
    browsers = stocksync_listeners([channel], count=1)
    (counter,) = stocksync_counters(stocktake_id, lines, sockets=browsers)
    ops = [op for _ in range(4) for op in counter.step()]
    assert all(op.ok for op in ops)
    wait_until(lambda: all(v.recorder.receipts >= len(ops) for v in viewers), 10, what="deliveries")
    result = check(stocksync_history.data, Contract())
    assert_no_findings(result)
    assert result.counts["matched"] == 2 * len(ops)


def test_assert_no_findings_fails_showing_the_evidence(stocksync_run) -> None:
    outcome = stocksync_run("smoke", faults=["double-broadcast"], run={"operations": 4, "duration_s": 10})
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_no_findings(outcome)
    assert "duplicate-event" in str(failed.value)
    assert '"listener"' in str(failed.value)
