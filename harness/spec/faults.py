"""The one catalogue of injectable faults, backend and Pusher server alike.

`--fault NAME[=RATE]` on `stocksync serve` and `stocksync run` is resolved here, so the
CLI, scenarios and tests name faults the same way and `--list-faults` can say which
scenario exposes each one and which finding it must produce.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import UnknownFault
from .delivery_faults import DeliveryFaults


@dataclass(frozen=True)
class FaultSpec:
    name: str
    layer: str
    scenario: str
    finding: str
    description: str
    severity: str = "error"
    """A warning fault shows what the contract's own frontend code does wrong; the backend is not at fault."""
    benign: str = ""
    """When the fault's effect changes nothing a page following the contract shows, and what the checker
    says then: each time it fires, some check must see it (`unjudged-fault`), benign or not."""


CATALOGUE: tuple[FaultSpec, ...] = (
    FaultSpec(
        "underscore-event-names",
        "backend",
        "smoke",
        "unexpected-event",
        "events named line_counted_updated etc. instead of the contract's hyphens",
    ),
    FaultSpec(
        "swallowed-broadcast",
        "backend",
        "list-page",
        "missing-event",
        "the trigger is skipped silently, as when the SDK raises and the view swallows it",
    ),
    FaultSpec("double-broadcast", "backend", "smoke", "duplicate-event", "every broadcast is sent twice"),
    FaultSpec(
        "stale-payload",
        "backend",
        "smoke",
        "payload-mismatch",
        "line-counted-updated built from the line as it was before the write",
    ),
    FaultSpec(
        "partial-line",
        "backend",
        "movements",
        "payload-mismatch",
        "line-movement-added carries a partial line, as in the contract's own example (and the page that "
        "replaces its line with it diverges until a later event repairs it)",
    ),
    FaultSpec("bad-envelope", "backend", "smoke", "envelope-mismatch", "line events carry another line's item_sku"),
    FaultSpec("thin-envelope", "backend", "smoke", "envelope-mismatch", "line events carry no line_id nor item_sku"),
    FaultSpec(
        "ignore-socket-id",
        "backend",
        "smoke",
        "self-echo",
        "the caller's socket_id is not passed to the trigger, so the originator gets its echo",
    ),
    FaultSpec(
        "wrong-channel",
        "backend",
        "smoke",
        "wrong-channel",
        "line events go to the hotel's list channel instead of the stocktake's channel",
    ),
    FaultSpec(
        "oversize-payload",
        "backend",
        "busy-stocktake",
        "oversize-payload",
        "a line's PATCH response, and so its event, carries the stocktake's lines along (over 10 KB)",
    ),
    FaultSpec(
        "accept-locked-writes",
        "backend",
        "approval-race",
        "locked-write-accepted",
        "writes to approved stocktakes are accepted and broadcast",
    ),
    FaultSpec(
        "cross-hotel-access",
        "backend",
        "two-hotels",
        "cross-hotel-access",
        "a user of one hotel may read and change another hotel's stocktakes",
    ),
    FaultSpec(
        "url-scoped-only",
        "backend",
        "two-hotels",
        "cross-hotel-access",
        "the token must be valid, but data is scoped only by the hotel in the URL",
    ),
    FaultSpec("slow-trigger", "backend", "smoke", "late-event", "a synchronous delay before every trigger"),
    FaultSpec("flaky-500", "backend", "smoke", "server-error", "line writes fail with a 500 (=RATE: a share of them)"),
    FaultSpec("html-500", "backend", "smoke", "server-error", "line writes fail with Django's HTML 500 page, not JSON"),
    FaultSpec("debug-500", "backend", "smoke", "server-error", "line writes fail with Django's DEBUG 500 page"),
    FaultSpec(
        "duplicate-period-500",
        "backend",
        "probes",
        "server-error",
        "creating a stocktake for a period that has one answers 500 (the unique constraint, unhandled)",
    ),
    FaultSpec(
        "float-quantity-500-stored",
        "backend",
        "probes",
        "write-despite-error",
        "a movement whose quantity is a JSON float is saved and broadcast, then answers 500",
    ),
    FaultSpec(
        "whole-purchases-only",
        "backend",
        "movements",
        "writes-refused",
        "a purchase of a fractional quantity is refused (400), as a bar that sells whole kegs does",
    ),
    FaultSpec(
        "refuse-line-writes",
        "backend",
        "smoke",
        "writes-refused",
        "every line PATCH answers 403 with a JSON detail, as after a permission change",
    ),
    FaultSpec(
        "commit-then-500",
        "backend",
        "smoke",
        "write-despite-error",
        "line writes commit and broadcast, then answer 500 (an exception after the save)",
    ),
    FaultSpec(
        "hang-then-commit",
        "backend",
        "write-timeouts",
        "write-despite-error",
        "line writes commit and broadcast, and answer only after the client has given up",
    ),
    FaultSpec(
        "late-response",
        "backend",
        "smoke",
        "divergence",
        "line writes commit and broadcast, then answer late: another user's newer change of the line "
        "reaches the writer's page first, and the contract's code replaces it with the stale response",
        severity="warning",
        benign="no other change of the line came while the answer was late (it carries the line as it still is), "
        "or the writer wrote the line again after it (that answer replaces the line once more): the writer's page "
        "ends right, and nothing is held against the run",
    ),
    FaultSpec("pusher-drop", "pusher", "smoke", "missing-event", "the Pusher server drops events for some connections"),
    FaultSpec("pusher-duplicate", "pusher", "smoke", "duplicate-event", "the Pusher server delivers events twice"),
    FaultSpec("pusher-delay", "pusher", "smoke", "late-event", "the Pusher server holds events back"),
    FaultSpec(
        "pusher-reorder",
        "pusher",
        "smoke",
        "out-of-order",
        "the Pusher server swaps two consecutive events",
        benign="two lines' changes swapped: the contract's frontend replaces each line by its id, so its page "
        "ends the same; out-of-order reports the swap as a warning, not an error",
    ),
    FaultSpec(
        "pusher-disconnect",
        "pusher",
        "reconnect",
        "gap-during-disconnect",
        "the Pusher server cuts connections (4200), so listeners miss events until they rejoin",
    ),
    FaultSpec(
        "pusher-error-frame",
        "pusher",
        "reconnect",
        "gap-during-disconnect",
        "pusher:error 4200 frames on open connections: pysher reconnects and misses events, pusher-js stays",
    ),
    FaultSpec(
        "whole-stocktake-event",
        "backend",
        "staging",
        "oversize-payload",
        "the approve's event nests the whole stocktake with its lines (about 13 KB) while its HTTP response "
        "stays small: only the Pusher server's log shows the size",
    ),
    FaultSpec(
        "movement-commit-then-500",
        "backend",
        "staging",
        "write-despite-error",
        "in a stocktake whose period excludes today, a movement is stored and answers 500; its line never shows "
        "it and nothing is broadcast, so only the line's movement listing does",
    ),
    FaultSpec(
        "negative-counts-accepted",
        "backend",
        "staging",
        "bad-input-accepted",
        "a negative count is stored as sent (200), where a 400 is due",
    ),
    FaultSpec(
        "wrong-pusher-secret",
        "backend",
        "smoke",
        "trigger-refused",
        "the backend signs its triggers with a stale secret: the Pusher server refuses each (401), and says so",
    ),
    FaultSpec(
        "concurrent-values",
        "backend",
        "smoke",
        "none",
        "not a defect: a line write answers and broadcasts the values of a concurrent later write of the line "
        "(a view that re-reads the line after saving), so two writes owe identical events; no finding: the "
        "checker must stay silent",
        severity="legitimate",
    ),
)
BY_NAME = {spec.name: spec for spec in CATALOGUE}
PUSHER_PREFIX = "pusher-"


@dataclass(frozen=True)
class FaultSelection:
    """Parsed `--fault` values, split by the layer that injects them."""

    backend: dict[str, float]
    delivery: dict[str, float]

    @property
    def names(self) -> list[str]:
        return [*self.backend, *(PUSHER_PREFIX + k for k in self.delivery)]

    def delivery_faults(self, seed: int, delay_ms: int = 1500) -> DeliveryFaults:
        """The Pusher server's plan; imported here, so the checks can read the catalogue without
        loading the server."""
        from .delivery_faults import DeliveryFaults

        return DeliveryFaults(rates=self.delivery, seed=seed, delay_ms=delay_ms)


def select(values: Iterable[str]) -> FaultSelection:
    backend: dict[str, float] = {}
    delivery: dict[str, float] = {}
    for value in values:
        name, equals, raw_rate = value.partition("=")
        if name not in BY_NAME:
            raise UnknownFault(f"unknown fault {name!r}; `stocksync serve --list-faults` lists them")
        if equals and not raw_rate.strip():
            raise UnknownFault(f"fault {value!r} has an empty rate; give NAME=RATE with 0 < RATE <= 1, or NAME alone")
        try:
            rate = float(raw_rate) if equals else 1.0
        except ValueError:
            raise UnknownFault(f"fault rate in {value!r} is not a number") from None
        if not 0.0 < rate <= 1.0:
            raise UnknownFault(f"fault rate in {value!r} must be within (0, 1]")
        if BY_NAME[name].layer == "pusher":
            delivery[name.removeprefix(PUSHER_PREFIX)] = rate
        else:
            backend[name] = rate
    return FaultSelection(backend, delivery)


def listing() -> str:
    """One tab-separated row a fault: name, scenario exposing it, finding (and its severity), description
    (with when its effect is benign, if it can be)."""
    return "\n".join(
        f"{s.name}\t{s.scenario}\t{s.finding} ({s.severity})\t{s.description}"
        + (f"; benign when {s.benign}" if s.benign else "")
        for s in CATALOGUE
    )


LEGITIMATE = "legitimate"
"""The severity of a fault that reproduces a real backend's legitimate shape (its finding "none"): a
healthy run with it passes, silent."""


def legitimate(spec: FaultSpec) -> bool:
    return spec.severity == LEGITIMATE
