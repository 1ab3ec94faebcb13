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
        cached = r.payload.routing[r.channel] = (tuple(_judge(contract, r)), _applies(contract, r.event, r.channel))
    return cached


def routing_findings(r: Receipt, found: Iterable[Verdict]) -> list[Finding]:
    return [
        Finding(name, message, channel=r.channel, event=r.event, listener=r.listener, times={"received": r.time},
                **extra)
        for name, message, extra in found
    ]  # fmt: skip


def clean_texts(
    contract: Contract, event: str, channel: str, texts: Iterable[tuple[str, Any]]
) -> tuple[list[bool], tuple[str, ...]]:
    """Whether `route` finds nothing wrong with each text (as received, and its JSON) of `event` on
    `channel`, and the checks that apply to them all: the columnar engine asks of many texts at once,
    and their name and channel are judged once for them all."""
    misplaced, envelope = _placement(contract, event, channel)
    applied = _applies(contract, event, channel)
    if misplaced:
        return [False for _ in texts], applied
    fits = (
        [_size(raw) <= MAX_EVENT_BYTES for raw, _ in texts]
        if envelope is None
        else [_size(raw) <= MAX_EVENT_BYTES and next(_envelope(*envelope, data), None) is None for raw, data in texts]
    )
    return fits, applied


def _size(raw: str) -> int:
    """Bytes of `raw` in UTF-8: its length if ASCII (told without encoding it), as most texts are."""
    return len(raw) if raw.isascii() else len(raw.encode())


def _applies(contract: Contract, event: str, channel: str) -> tuple[str, ...]:
    """The checks that hold a receipt against the contract: size and name always; its channel if
    the name is the contract's; its envelope if the channel is one the contract routes it to."""
    logical = contract.logical(event)
    if logical is None:
        return ("oversize-payload", "unexpected-event")
    parsed = contract.parse_channel(channel)
    routed = parsed is not None and parsed[0] in contract.allowed_kinds(logical)
    return ("oversize-payload", "unexpected-event", "wrong-channel", *(("envelope-mismatch",) if routed else ()))


def _judge(contract: Contract, r: Receipt) -> Iterator[Verdict]:
    size = _size(r.raw)
    if size > MAX_EVENT_BYTES:
        yield (
            "oversize-payload",
            f"{r.event} data is {size} bytes, over Pusher's {MAX_EVENT_BYTES}",
            {"expected": f"<= {MAX_EVENT_BYTES} bytes", "actual": f"{size} bytes"},
        )
    misplaced, envelope = _placement(contract, r.event, r.channel)
    yield from misplaced
    problems = [] if envelope is None else list(_envelope(*envelope, r.data))
    if problems:
        yield (
            "envelope-mismatch",
            f"{r.event} envelope disagrees with its line or channel: {problems[0]}",
            {"diff": problems, "actual": r.data},
        )


def _placement(contract: Contract, event: str, channel: str) -> tuple[list[Verdict], tuple[str, int | None] | None]:
    """What is wrong with a receipt's name and channel, and, if the contract routes it there, what its
    envelope is held to (its logical name, its channel's stocktake)."""
    logical = contract.logical(event)
    if logical is None:
        if event.startswith(("pusher:", "pusher_internal:")):
            return [], None
        near = contract.spelled_like(event)
        fix = f"add {near} = {json.dumps(event)} under [events] (the run wrote contract.suggested.toml)"
        hint = f"; it is the contract's {near!r} spelled otherwise: {fix}" if near else ""
        return [(
            "unexpected-event",
            f"{event!r} is not an event of the contract{hint}",
            {"expected": near or sorted(contract.names.values()), "actual": event},
        )], None  # fmt: skip
    parsed = contract.parse_channel(channel)
    if parsed is None or parsed[0] not in contract.allowed_kinds(logical):
        return [(
            "wrong-channel",
            f"{event} arrived on {channel}, which the contract does not route it to",
            {"expected": sorted(contract.allowed_kinds(logical)), "actual": parsed[0] if parsed else channel},
        )], None  # fmt: skip
    return [], (logical, parsed[2])


ENVELOPE_NEEDS = {
    "line_id": "expected beside the line (the contract's frontend finds the line to replace by it)",
    "item_sku": "expected beside the line (the contract's frontend names the item by it)",
}


def _envelope(logical: str, channel_stocktake: int | None, data: object) -> Iterator[str]:
    if not isinstance(data, dict):
        yield "data is not a JSON object"
        return
    if logical in LINE_EVENTS:
        line: dict[str, Any] = data["line"] if isinstance(data.get("line"), dict) else {}
        for outer, inner in (("line_id", "id"), ("item_sku", "item_sku")):
            if outer not in data:
                yield f"{outer}: {ENVELOPE_NEEDS[outer]}, got no such field"
            elif inner in line and data[outer] != line[inner]:
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
