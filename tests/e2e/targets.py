"""What the target-mode tests share: a quick staging scenario, the `stocksync` command line, and what
a run wrote, read back. The fixtures that start `stocksync serve` are in conftest.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from tests.support import Served

QUICK_STAGING = """
name = "staging"
[stocktake]
lines = 6
[counters]
count = 2
think_ms = [20, 60]
debounce_ms = 60
[listeners]
count = 2
list_page = 1
[run]
operations = {operations}
duration_s = {duration}
[limits]
latency_ms = 3000
[flow]
kind = "staging"
"""
UNDERSCORES = """
[events]
line-counted-updated = "line_counted_updated"
line-movement-added = "line_movement_added"
stocktake-created = "stocktake_created"
stocktake-deleted = "stocktake_deleted"
stocktake-status-changed = "stocktake_status_changed"
stocktake-populated = "stocktake_populated"
"""


def stocksync(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=110,
        env={**os.environ, **(env or {})},
    )


def report_of(root: Path) -> tuple[Path, dict[str, Any]]:
    (folder,) = list(root.iterdir())
    return folder, json.loads((folder / "report.json").read_text())


def stock_levels(served: Served) -> dict[str, Decimal]:
    url = f"{served.api['base_url']}/{served.api['hotel']}/items/"
    items = requests.get(url, headers={"Authorization": f"Token {served.api['token']}"}, timeout=10).json()
    return {str(i["id"]): Decimal(i["current_qty"]) for i in items}


@dataclass
class StagingRun:
    served: Served
    done: subprocess.CompletedProcess[str]
    folder: Path
    report: dict[str, Any]

    def found(self, name: str) -> list[dict[str, Any]]:
        return [f for f in self.report["findings"] if f["name"] == name]
