"""How the backend simulator is set up: where it sends its triggers and what it serves.

Kept apart from the HTTP app so the stack and the CLI can build a configuration without the
routing and fault handling that serve it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pusher

DEFAULT_PREFIX = "/api/stock_tracker/{hotel}/"


@dataclass(frozen=True)
class PusherTarget:
    """Where the SDK sends triggers: the embedded server or any Pusher endpoint."""

    app_id: str
    key: str
    secret: str
    host: str = "127.0.0.1"
    port: int | None = None
    ssl: bool = False
    cluster: str | None = None

    def client(self) -> pusher.Pusher:
        if self.cluster:
            return pusher.Pusher(app_id=self.app_id, key=self.key, secret=self.secret, cluster=self.cluster, ssl=True)
        return pusher.Pusher(
            app_id=self.app_id, key=self.key, secret=self.secret, host=self.host, port=self.port, ssl=self.ssl
        )


@dataclass(frozen=True)
class BackendConfig:
    pusher: PusherTarget
    prefix: str = DEFAULT_PREFIX
    faults: dict[str, float] = field(default_factory=dict)
    seed: int = 7
    items_per_hotel: int = 300
    slow_ms: int = 1500
    db_path: Path | None = None
    private_channels: bool = False
