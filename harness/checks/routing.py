"""Checks on single receipts: unknown event names, wrong channels, envelopes, and size."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..spec.contract import LINE_EVENTS, Contract
from .findings import Finding
from .model import Receipt
from .sizes import MAX_EVENT_BYTES

Verdict = tuple[str, str, dict[str, Any]]


def route(contract: Contract, r: Receipt) -> tuple[tuple[Verdict, ...], tuple[str, ...]]:
    """(what is wrong, the checks that applied) for a receipt. A fan-out delivers the same (channel,
    event, data) to every listener: judged once, the verdict kept on the receipt's shared Payload, and
    reported (and counted as judged) for each receipt that carries it. Tuples: a text with nothing wrong
    keeps no list of its own (the empty tuple is shared)."""
    cached = r.payload.routing.get(r.channel)
    if cached is None:
        cached = r.payload.routing[r.channel] = (tuple(_judge(contract, r)), _applies(contract, r))
    return cached


def routing_findings(r: Receipt, found: Iterable[Verdict]) -> list[Finding]:
    return [
        Finding(name, message, channel=r.channel, event=r.event, listener=r.listener, times={"received": r.time},
                **extra)
        for name, message, extra in found
    ]  # fmt: skip


def _applies(contract: Contract, r: Receipt) -> tuple[str, ...]:
    """The checks that hold this receipt against the contract: size and name always; its channel if
    the name is the contract's; its envelope if the channel is one the contract routes it to."""
    logical = contract.logical(r.event)
    if logical is None:
        return ("oversize-payload", "unexpected-event")
    parsed = contract.parse_channel(r.channel)
    routed = parsed is not None and parsed[0] in contract.allowed_kinds(logical)
    return ("oversize-payload", "unexpected-event", "wrong-channel", *(("envelope-mismatch",) if routed else ()))


def _judge(contract: Contract, r: Receipt) -> Iterator[Verdict]:
    size = len(r.raw.encode())
    if size > MAX_EVENT_BYTES:
        yield (
            "oversize-payload",
            f"{r.event} data is {size} bytes, over Pusher's {MAX_EVENT_BYTES}",
            {"expected": f"<= {MAX_EVENT_BYTES} bytes", "actual": f"{size} bytes"},
        )
    logical = contract.logical(r.event)
    if logical is None:
        if not r.event.startswith(("pusher:", "pusher_internal:")):
            near = contract.spelled_like(r.event)
            fix = f"add {near} = {json.dumps(r.event)} under [events] (the run wrote contract.suggested.toml)"
            hint = f"; it is the contract's {near!r} spelled otherwise: {fix}" if near else ""
            yield (
                "unexpected-event",
                f"{r.event!r} is not an event of the contract{hint}",
                {"expected": near or sorted(contract.names.values()), "actual": r.event},
            )
        return
    parsed = contract.parse_channel(r.channel)
    if parsed is None or parsed[0] not in contract.allowed_kinds(logical):
        yield (
            "wrong-channel",
            f"{r.event} arrived on {r.channel}, which the contract does not route it to",
            {"expected": sorted(contract.allowed_kinds(logical)), "actual": parsed[0] if parsed else r.channel},
        )
        return
    problems = list(_envelope(logical, r.data, parsed[2]))
    if problems:
        yield (
            "envelope-mismatch",
            f"{r.event} envelope disagrees with its line or channel",
            {"diff": problems, "actual": r.data},
        )


def _envelope(logical: str, data: object, channel_stocktake: int | None) -> Iterator[str]:
    if not isinstance(data, dict):
        yield "data is not a JSON object"
        return
    if logical in LINE_EVENTS:
        line: dict[str, Any] = data["line"] if isinstance(data.get("line"), dict) else {}
        for outer, inner in (("line_id", "id"), ("item_sku", "item_sku")):
            if outer in data and inner in line and data[outer] != line[inner]:
                yield f"{outer}: envelope {data[outer]!r} but line.{inner} {line[inner]!r}"
        if channel_stocktake is not None and "stocktake" in line and line["stocktake"] != channel_stocktake:
            yield f"line.stocktake {line['stocktake']!r} but the channel is stocktake {channel_stocktake}"
        return
    sid = data.get("stocktake_id")
    if channel_stocktake is not None and sid is not None and sid != channel_stocktake:
        yield f"stocktake_id {sid!r} but the channel is stocktake {channel_stocktake}"
    nested = data.get("stocktake")
    if isinstance(nested, dict) and sid is not None and nested.get("id") not in (None, sid):
        yield f"stocktake.id {nested.get('id')!r} but stocktake_id {sid!r}"
