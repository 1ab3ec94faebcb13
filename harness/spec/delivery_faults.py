"""The Pusher server's delivery faults as a plan: what a scenario asks for, and what the server is told
to do. It lives with the other specifications, so choosing faults (and the checker reading the
catalogue) never loads the server."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("drop", "duplicate", "delay", "reorder", "disconnect", "error-frame")


@dataclass(frozen=True)
class DeliveryFaults:
    """Rates in [0, 1] per kind; filters are fnmatch globs on channel and event name."""

    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    channel: str = "*"
    event: str = "*"
    delay_ms: int = 1500

    def __post_init__(self) -> None:
        for kind, rate in self.rates.items():
            if kind not in KINDS:
                raise ValueError(f"unknown delivery fault {kind!r}; known: {', '.join(KINDS)}")
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate for {kind} must be within 0..1, got {rate}")

    @property
    def active(self) -> bool:
        return any(rate > 0 for rate in self.rates.values())
