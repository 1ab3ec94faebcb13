"""The columnar engine over a history whose receipts are too many for one frame (an hour-long run's):
the listeners are judged in shares, each share's receipts one frame, and the shares' parts joined.

Listeners are judged apart (`parts.py`), so a share is judged exactly as the whole would judge its
listeners: its frame holds only its listeners' receipts, its history their observations and every
observation of no listener (the truths the pages are compared with, the servers' logs), as
`parts.split` gives a forked share. What is not per listener is left to the caller, once: the
checks over operations (`concluded`) and the tally of receipts. A history with a listening record of
no listener (a subscription, a disconnection or a page of nobody: only a hand-made file has one)
is not `shareable`: every share would judge it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import polars as pl

from ...record.history import HistoryData
from ..deliveries import Spill
from ..parts import Part, joined, split
from ..streamed import STREAMED
from .engine import Judge, accelerated_frame

FrameOf = Callable[[int], pl.DataFrame]
"""A share's receipts as a frame (`frame.SCHEMA`), given its position among the shares."""


def shares_of(receipts: Mapping[str, int], most: int) -> list[list[str]]:
    """Every listener (with its count of receipts, none too) in a share, each share of at most `most`
    receipts but for a listener with more, which has one of its own: never is a listener's record
    split. First fit, the largest first, so the shares are few."""
    shares: list[list[str]] = []
    loads: list[int] = []
    for listener, count in sorted(receipts.items(), key=lambda item: (-item[1], item[0])):
        fits = next((index for index, load in enumerate(loads) if load + count <= most), None)
        if fits is None:
            shares.append([listener])
            loads.append(count)
        else:
            shares[fits].append(listener)
            loads[fits] += count
    return shares


def shareable(light: HistoryData) -> bool:
    """No listening record of no listener: the stream would judge it once as listener "?"."""
    return not any(o.listener is None and o.kind in STREAMED for o in light.observations)


def accelerated_shares(
    light: HistoryData,
    shares: list[list[str]],
    frame_of: FrameOf,
    judge: Judge,
    spill: Spill | None = None,
) -> Part:
    """The listeners' part of `light` (every record but receipts) judged a share at a time, each
    share's receipts read (`frame_of` its position in `shares`) only as its turn comes, and its part
    joined into the whole as it is judged: a share's part holds each change it delivered
    (`Part.slowest`), so holding every share's until the end would hold the writes once a share.
    `judge`: the check's, recording deliveries if there is a `spill`, where each share's go as it is
    judged (none is held after its share)."""

    def parts() -> Iterator[Part]:
        for number, history in enumerate(split(light, [set(share) for share in shares])):
            part = accelerated_frame(history, frame_of(number), judge)
            if spill is not None and part.deliveries is not None:
                spill(part.deliveries.frame())
                part.deliveries = None
            yield part

    return joined(parts())
