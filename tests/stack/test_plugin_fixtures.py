"""The pytest plugin's fixtures, used the way a team writing its own sync test would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.checks import check
from harness.run.target import Target
from harness.spec.contract import Contract
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


def test_fixtures_compose_with_a_stack_that_has_faults(
    stocksync_stack_factory, stocksync_listeners, stocksync_counters, stocksync_history, stocksync_run
) -> None:
    stack = stocksync_stack_factory(faults=["double-broadcast"])
    api = Target.embedded(stack).api()
    stocktake_id = fresh_stocktake(api)
    lines = api.send(api.list_lines(stocktake_id)).body[:3]
    channel = Contract().channel("detail", api.hotel, stocktake_id)
    (viewer,) = stocksync_listeners([channel], stack=stack)
    (counter,) = stocksync_counters(stocktake_id, lines, stack=stack)
    ops = counter.step()
    wait_until(lambda: viewer.recorder.receipts >= 2 * len(ops), 10, what="doubled deliveries")
    assert "duplicate-event" in {f.name for f in check(stocksync_history.data, Contract()).findings}
    outcome = stocksync_run("smoke", stack=stack, run={"operations": 4, "duration_s": 10})
    assert "duplicate-event" in {f.name for f in outcome.result.findings}


def test_a_failing_assertion_counts_findings_and_keeps_the_report(stocksync_run) -> None:
    outcome = stocksync_run("smoke", faults=["double-broadcast"], run={"operations": 4, "duration_s": 10})
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_no_findings(outcome)
    message = str(failed.value)
    assert re.search(r"\d+ sync finding\(s\): duplicate-event x \d+", message)
    report = Path(re.search(r"report: (\S+report\.html)", message)[1])
    assert report.exists() and "duplicate-event" in report.read_text()


def test_the_stocktake_fixture_and_the_readme_example_run_as_written(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "def test_" in b)
    pytester.makepyfile(
        test_readme=example,
        test_stocktake="""
from harness.api import StocktakeApi

def test_own_stocktake(stocksync_stocktake, stocksync_api):
    assert stocksync_stocktake.lines and stocksync_api.send(stocksync_api.get_stocktake(stocksync_stocktake.id)).ok
    pytest_state.append(stocksync_stocktake.id)

def test_it_was_deleted(stocksync_api):
    assert stocksync_api.send(stocksync_api.get_stocktake(pytest_state[0])).status == 404

pytest_state = []
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", timeout=240)
    result.assert_outcomes(passed=3)
