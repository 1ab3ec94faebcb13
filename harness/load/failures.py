"""Locust's Failures tab at the end of a run, in the report's words: one row per finding group.

While the run goes, its failures are the live samples' (PUSHER: a change's delivery findings;
SYNC: a finding about no single change). Once the report is written, those rows are replaced by
the report's own groups (`harness.report.groups`: one per cause, with its count and summary), so
the Failures tab, the Sync tab and report.json name the same groups with the same counts, and a
name the live samples gave before the grace settled (a gap, say) does not outlive the report.
"""

from __future__ import annotations

import time
from typing import Any

from ..checks.changes import DELIVERY

KINDS = ("PUSHER", "SYNC")


def name_by_groups(errors: dict[str, Any], groups: list[Any], stats_error: Any) -> None:
    """`errors` (a Locust `RequestStats.errors`) with its PUSHER and SYNC rows replaced by `groups`'
    error groups: method PUSHER for delivery findings, SYNC for the rest; name the finding; the
    message the group's summary; occurrences its count. `stats_error` is Locust's `StatsError`
    (passed in: importing Locust patches the process, which only a Locust process may have)."""
    for key in [key for key, error in errors.items() if error.method in KINDS]:
        del errors[key]
    now = time.time()
    for group in groups:
        if group.severity != "error":
            continue
        method = "PUSHER" if group.name in DELIVERY else "SYNC"
        errors[stats_error.create_key(method, group.name, group.summary)] = stats_error(
            method, group.name, group.summary, group.count, first_seen=now, last_seen=now
        )
