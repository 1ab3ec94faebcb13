"""Payload size seen from the HTTP side, where real Pusher's refusals cannot be seen.

A backend's trigger of an event over Pusher's 10 KB gets a 413 that only the backend sees;
the harness sees a missing event. When a write's event reached no listener (`never_sent`) and its
HTTP response (which the event mirrors) serialises to more than the limit, that is the cause, and it
is said with the size. An event some listener got was sent: Pusher took it, whatever the response's
size (a backend's event may carry less than its response), so those who missed it missed it for
another reason, and no size is blamed. Payloads over NEAR_SHARE of the limit get a warning, with how much each
item of their largest list adds and the list length at which they would cross.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Container, Iterable
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

import msgspec

from ..record.history import Operation
from ..spec.contract import WRITE_KINDS
from .findings import Finding
from .late_copies import MISSING

MAX_EVENT_BYTES = 10_240
NEAR_SHARE = 0.8
CARRIES_MORE = {
    "patch_line": "the contract's line-counted-updated wraps the line with line_id, item_sku and the user",
    "approve": "the contract's stocktake-status-changed nests the stocktake, and a backend may nest its lines",
}
"""Writes whose event, by the contract, carries more than their HTTP response: a missing one may have been
refused for a size the response does not show."""


_COMPACT = c_make_encoder(None, json.JSONEncoder().default, encode_basestring_ascii, None, ":", ",", False, False, True)
"""`json.dumps(value, separators=(",", ":"))`'s own C encoder, made once: `json.dumps` makes one at each
call, and a check sizes every write twice. With no record of the containers on the way (`markers`
None): a value read from JSON holds no cycle."""


def compact_size(value: Any) -> int:
    """Bytes of `value` as compact JSON, as Pusher's server SDKs write it: the least a trigger carrying
    it sends. The text is ASCII (non-ASCII is escaped), so its length is its size in bytes."""
    return len("".join(_COMPACT(value, 0)))


_ENCODE = msgspec.json.encode
ESCAPED_MOST = 6
"""The most characters `compact_size` counts for a byte of msgspec's JSON of the same value. msgspec
writes UTF-8 and json escapes: a character takes json six for msgspec's one at most (DEL, which json
writes as \\u007f), a non-ASCII one six for two or twelve for four; a number, as many, or two more in
json's exponents ("1e+16", "1e16"); NaN and infinity, nine at most ("-Infinity") for msgspec's four
("null")."""


def at_most(value: Any, most: float) -> bool:
    """Whether `compact_size(value) <= most`: told by msgspec's text, several times quicker to write
    than json's, when that is short enough (every write is sized twice), else by `compact_size`. For a
    value json can write: msgspec writes some it cannot (a set, a Decimal)."""
    try:
        if ESCAPED_MOST * len(_ENCODE(value)) <= most:
            return True
    except (TypeError, ValueError, OverflowError, RecursionError, msgspec.EncodeError):
        pass  # a lone surrogate, a key neither text nor a number: json's own encoder says what it says
    return compact_size(value) <= most


def never_sent(findings: Iterable[Finding], delivered: Container[tuple[int, str]]) -> set[int]:
    """The writes with a missing-event whose event no listener got by the write's settle either
    (`delivered`: each (write, event) some listener got, `Part.slowest`): only such an event may have
    been refused for its size."""
    return {
        f.operation
        for f in findings
        if f.name == MISSING and f.operation is not None and (f.operation, f.event or "") not in delivered
    }


def _largest_list(value: Any) -> list[Any]:
    """The longest list anywhere in a payload: what grows with a stocktake's size."""
    if isinstance(value, list):
        nested = [_largest_list(v) for v in value]
        return max([value, *nested], key=len)
    if isinstance(value, dict):
        return max((_largest_list(v) for v in value.values()), key=len, default=[])
    return []


class SizeCheck:
    """oversize-payload and payload-near-limit, one operation at a time (`take`), once its delivery
    has settled: whether its event went missing is known by then."""

    NAMES = ("oversize-payload", "payload-near-limit")

    def __init__(self) -> None:
        self.judged: Counter[str] = Counter()
        self.found: list[Finding] = []
        self.unsized: dict[str, tuple[int, int, float]] = {}  # kind -> (op, size, invoke): first small and missing

    def take(self, op: Operation, missing: bool, refused: bool) -> None:
        """`missing`: its event came to no listener (`never_sent`); `refused`: the Pusher server
        refused some trigger (which says so itself, so a size is not the cause to name)."""
        if not op.ok or op.body is None or op.kind not in WRITE_KINDS:
            return  # a read's answer is no event's: its size is nothing to Pusher
        self.judged["payload-near-limit"] += 1
        if not missing and at_most(op.body, NEAR_SHARE * MAX_EVENT_BYTES):
            return  # neither near the limit nor over it, and its size names no missing event
        size = compact_size(op.body)
        if missing:
            self.judged["oversize-payload"] += 1
            if size > MAX_EVENT_BYTES and not refused:
                self.found.append(
                    Finding(
                        "oversize-payload",
                        f"the {op.kind} response of operation {op.id} is {size / 1024:.1f} KB, and its event came to "
                        f"no listener: Pusher refuses events over {MAX_EVENT_BYTES // 1024} KB",
                        operation=op.id,
                        expected=f"<= {MAX_EVENT_BYTES} bytes",
                        actual=f"{size} bytes",
                        times={"invoke": op.invoke, "complete": op.complete or op.invoke},
                    )
                )
                return
            if size <= MAX_EVENT_BYTES and not refused and op.kind in CARRIES_MORE:
                self.unsized.setdefault(op.kind, (op.id, size, op.invoke))
        if NEAR_SHARE * MAX_EVENT_BYTES < size <= MAX_EVENT_BYTES:
            self.found.append(_near_limit(op.id, op.kind, op.body, size, op.invoke))

    def unseen_sizes(self, server_log: dict[str, Any]) -> list[Finding]:
        """When no Pusher server log was read (real Pusher), a missing event whose response was small
        may still have been refused for size when the contract's event carries more than the response
        (CARRIES_MORE). Said once per kind, as a warning that tells how to see the size, never as a
        size the run did not see."""
        if server_log.get("read", True):
            return []
        return [
            Finding(
                "oversize-payload",
                f"the {kind} response of operation {op_id} is {size / 1024:.1f} KB and its event came to no listener; "
                f"{CARRIES_MORE[kind]}, so it may have been over 10 KB, and Pusher's 413 is seen only by the backend "
                f"({server_log.get('why') or 'no server log'}). To see its size: look for a 413 in the backend's "
                "log, or point the backend at `stocksync serve` as its Pusher server and run with --pusher-secret "
                "(docs/staging.md)",
                operation=op_id,
                expected=f"<= {MAX_EVENT_BYTES} bytes",
                actual="not visible from the client side",
                times={"invoke": at},
                warning=True,
            )
            for kind, (op_id, size, at) in self.unsized.items()
        ]


def _near_limit(op_id: int, kind: str, body: Any, size: int, at: float) -> Finding:
    items = _largest_list(body)
    growth = ""
    if items:
        per_item = (compact_size(items) - 2) / len(items)
        crosses = len(items) + math.ceil((MAX_EVENT_BYTES - size) / per_item) if per_item else None
        growth = f"; each of its {len(items)} list items adds {per_item:.0f} bytes, so it crosses at about {crosses}"
    return Finding(
        "payload-near-limit",
        f"the {kind} response of operation {op_id} is {size / 1024:.1f} KB, over {NEAR_SHARE:.0%} of Pusher's "
        f"{MAX_EVENT_BYTES // 1024} KB{growth}",
        operation=op_id,
        expected=f"<= {int(NEAR_SHARE * MAX_EVENT_BYTES)} bytes",
        actual=f"{size} bytes",
        times={"invoke": at},
        warning=True,
    )
