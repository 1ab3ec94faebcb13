"""The HTML report of a large run: bytes of report.html (and report.json) for 100k receipts,
against the history file it summarises. The page must stay small enough to open from a CI
artefact (binned timeline, capped findings), whatever the run's length."""

from __future__ import annotations

import json
import time
from typing import Any

from harness.checks import check
from harness.record.records import fields_of
from harness.report.html import render_html
from harness.report.model import build_report
from harness.spec.contract import Contract
from harness.testing import history_with

RECEIPTS = 100_000


def run() -> dict[str, Any]:
    history = history_with(RECEIPTS)
    history_bytes = sum(
        len(json.dumps({"rec": "obs", **fields_of(o)}, separators=(",", ":"))) + 1 for o in history.observations
    )
    t0 = time.perf_counter()
    report = build_report(history, check(history, Contract()), [], 10.0)
    page = render_html(report)
    took = time.perf_counter() - t0
    return {
        "receipts": RECEIPTS,
        "report_html_bytes": len(page.encode()),
        "report_json_bytes": len(json.dumps(report.to_json_dict()).encode()),
        "history_bytes": history_bytes,
        "ratio_html/history": round(len(page.encode()) / history_bytes, 4),
        "check_and_render_s": round(took, 2),
    }
