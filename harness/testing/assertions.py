"""`assert_no_findings`: what a failing sync test should say, in the order a reader needs it."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ..checks import CheckResult
from ..checks.verdict import INCONCLUSIVE
from ..report.model import build_report
from ..report.publish import write_reports
from ..run.runner import RunOutcome

SHOWN = 3


def assert_no_findings(result: CheckResult | RunOutcome, include_warnings: bool = False) -> None:
    """Fails with the count per finding, the first few findings with their evidence, and the path of
    the report.html kept for the test; an INCONCLUSIVE run fails too, with its reasons, because a
    run that proved nothing must not read as a passing test."""
    check_result = result.result if isinstance(result, RunOutcome) else result
    found = check_result.findings if include_warnings else check_result.errors
    if not found and check_result.verdict != INCONCLUSIVE:
        return
    counts = ", ".join(f"{name} x {n}" for name, n in Counter(f.name for f in found).most_common())
    lines = [f"{len(found)} sync finding(s): {counts}" if found else "no finding, but the run proved nothing:"]
    lines += [f"  {reason}" for reason in check_result.reasons]
    lines += [json.dumps(f.to_dict(), default=str) for f in found[:SHOWN]]
    if len(found) > SHOWN:
        lines.append(f"... and {len(found) - SHOWN} more")
    if isinstance(result, RunOutcome) and result.history_path is not None:
        folder = result.history_path.with_suffix("")
        write_reports(build_report(result.history, check_result, [], result.duration), folder)
        lines.append(f"report: {folder / 'report.html'}")
    pytest.fail("\n".join(lines), pytrace=False)
