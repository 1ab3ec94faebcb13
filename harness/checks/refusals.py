"""writes-refused: a write the scenario expects to succeed answered 4xx.

Expected: the run's own writes (not an intruder's, nor a probe's, nor one to a stocktake already
approved: `writes.counted_on`). One finding per cause: a status and the server's words, what differs
per request (ids, numbers) taken out (`server_words.normalised`), whatever the kinds of write it
refused. One expired token refuses every kind of write in the same words, and is one cause, stated
whole ("30 of 31 writes (97 %) answered 403: ..."), with each kind's share beside it; two validation
rules that refuse in different words are two.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass, field

from ..record.history import Operation
from .access import Approvals, words
from .findings import Finding
from .server_words import normalised, said
from .writes import WriteShare, counted

SAMPLES = 3


@dataclass
class _Refused:
    """The writes of one cause refused: how many of each kind, the first few invoked in the server's
    words, when. The same whatever order they are taken in: a history merged from several processes
    holds each one's writes in its own order, and the live check takes them as the history holds them
    only once every earlier one has settled."""

    kinds: Counter[str] = field(default_factory=Counter)
    last: float = -math.inf
    earliest: list[tuple[float, int, str]] = field(default_factory=list)  # (invoke, id, words), SAMPLES at most

    def take(self, op: Operation) -> None:
        self.kinds[op.kind] += 1
        self.last = max(self.last, op.invoke)
        if len(self.earliest) < SAMPLES or (op.invoke, op.id) < self.earliest[-1][:2]:
            bisect.insort(self.earliest, (op.invoke, op.id, words(op.body)))
            del self.earliest[SAMPLES:]


class RefusalCheck:
    """writes-refused, one operation at a time (`take`): one finding per (status, words)."""

    NAMES = ("writes-refused",)

    def __init__(self, approvals: Approvals) -> None:
        self.approvals = approvals
        self.attempts: Counter[str] = Counter()
        self.succeeded = 0
        self.refused: dict[tuple[int, str], _Refused] = {}

    def take(self, op: Operation) -> None:
        if not counted(op, self.approvals):
            return
        self.attempts[op.kind] += 1
        self.succeeded += op.ok
        if op.status is not None and 400 <= op.status < 500:
            self.refused.setdefault((op.status, normalised(said(op.body))), _Refused()).take(op)

    def share(self) -> WriteShare:
        """The share of the writes taken that succeeded: what the verdict holds to the scenario's least."""
        return WriteShare(self.succeeded, sum(self.attempts.values()))

    def findings(self, judged: Counter[str]) -> list[Finding]:
        judged["writes-refused"] += sum(self.attempts.values())
        found = []
        for (status, _), seen in sorted(self.refused.items()):
            count, attempts = sum(seen.kinds.values()), sum(self.attempts[kind] for kind in seen.kinds)
            share = count / attempts
            first, first_op, _ = seen.earliest[0]
            samples = [text for _, _, text in seen.earliest]
            kinds = sorted(seen.kinds)
            found.append(
                Finding(
                    "writes-refused",
                    f"{count} of {attempts} {kinds[0] + ' ' if len(kinds) == 1 else ''}writes ({share:.0%}) "
                    f"answered {status}: {samples[0]}{by_kind({k: (seen.kinds[k], self.attempts[k]) for k in kinds})}",
                    operation=first_op,
                    expected="2xx",
                    actual={
                        "status": status,
                        "count": count,
                        "of": attempts,
                        "share": round(share, 3),
                        "kinds": {kind: [seen.kinds[kind], self.attempts[kind]] for kind in kinds},
                        "samples": samples,
                    },  # fmt: skip
                    times={"first": first, "last": seen.last},
                )
            )
        return found


def by_kind(shares: dict[str, tuple[int, int]]) -> str:
    """ " (patch_line 10 of 11, populate 10 of 10)": each kind's (n, of), when one cause answered several."""
    if len(shares) < 2:
        return ""
    return f" ({', '.join(f'{kind} {n} of {of}' for kind, (n, of) in sorted(shares.items()))})"
