"""The converted record's files (`convert.py` writes them, the engines read them), without
importing either engine: a process that measures one engine loads only that one."""

from __future__ import annotations

import json
import math
from pathlib import Path

from harness.checks import DEFAULT_LATENCY_LIMIT_MS

TABLES = ("receipts", "payloads", "writes", "subs")
BITS = {"listener": 20, "channel": 12, "event": 6, "thing": 26}
"""How many bits of the one u64 key each id takes: (listener, channel, event, thing) packed, joins
and windows run on one integer column, several times faster than on four."""


def check_fits(largest: dict[str, int | None]) -> None:
    """Refuse ids the packed key cannot hold, rather than let two copies share a key."""
    for name, bits in BITS.items():
        if (largest.get(name) or 0) >= 1 << bits:
            raise ValueError(f"more than 2**{bits} {name} ids: the prototype's packed key cannot hold them")


def meta_of(folder: Path) -> tuple[float, float]:
    """(latency limit in s, quiescence or +inf): the two numbers of the meta the rule uses."""
    meta = json.loads((folder / "meta.json").read_text())
    quiesced = meta.get("quiesced_at")
    limit_ms = meta.get("latency_limit_ms") or DEFAULT_LATENCY_LIMIT_MS
    return float(limit_ms) / 1000, float(quiesced) if quiesced is not None else math.inf
