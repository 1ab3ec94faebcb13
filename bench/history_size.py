"""Bytes a receipt costs on disk: the compact format against the one-object-per-receipt format it
replaced, written from the same synthetic busy history in the same run."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from harness.history import History
from harness.testing import history_with

RECEIPTS, LISTENERS = 100_000, 40


def run() -> dict[str, Any]:
    synthetic = history_with(RECEIPTS, listeners=LISTENERS)
    receipts = [o for o in synthetic.observations if o.kind == "receipt"]
    with tempfile.TemporaryDirectory() as folder:
        new = Path(folder) / "new.jsonl"
        history = History(new, {"scenario": "bench"})
        base = new.stat().st_size
        for obs in receipts:
            history.append(obs)
        history.close()
        new_bytes = new.stat().st_size - base
    old_bytes = sum(len(json.dumps({"rec": "obs", **vars(o)}, separators=(",", ":"))) + 1 for o in receipts)
    return {
        "receipts": len(receipts),
        "listeners": LISTENERS,
        "old_bytes_per_receipt": round(old_bytes / len(receipts), 1),
        "new_bytes_per_receipt": round(new_bytes / len(receipts), 1),
        "ratio_old/new": round(old_bytes / new_bytes, 2),
    }
