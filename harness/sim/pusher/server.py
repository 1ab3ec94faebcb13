"""The embedded Pusher Channels-compatible server: configuration and aiohttp app."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from ...spec.delivery_faults import DeliveryFaults
from ..errors import error_middleware
from .appkey import SERVER
from .faults import FaultInjector, Ring
from .http_api import add_routes
from .hub import Hub
from .ws import websocket_handler


@dataclass(frozen=True)
class PusherConfig:
    app_id: str = "1"
    key: str = field(default_factory=lambda: "key-" + secrets.token_hex(6))
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    activity_timeout: int = 120
    pong_timeout: float = 30.0
    queue_limit: int = 10_000
    faults: DeliveryFaults = field(default_factory=DeliveryFaults)
    fault_log: Path | None = None


class PusherServer:
    """Owns the hub; the aiohttp app reaches it through `app["pusher_server"]`."""

    def __init__(self, config: PusherConfig) -> None:
        self.config = config
        self.hub = Hub(FaultInjector(config.faults, config.fault_log), config.queue_limit)
        self.errors: list[BaseException] = []
        self.rejections: Ring[dict[str, Any]] = Ring()
        self.app = web.Application(middlewares=[error_middleware(self.errors)])
        self.app[SERVER] = self
        self.app.router.add_get("/app/{key}", websocket_handler)
        add_routes(self.app)
        self.sockets: set[web.WebSocketResponse] = set()
        self.app.on_shutdown.append(self._close_sockets)

    async def _close_sockets(self, app: web.Application) -> None:
        """WebSocket handlers never end by themselves; close them so shutdown does not hang."""
        for ws in list(self.sockets):
            await ws.close(code=1001, message=b"server shutting down")

    def set_faults(self, faults: DeliveryFaults) -> None:
        """Swap the fault plan between runs without dropping connections."""
        self.hub.faults = FaultInjector(faults, self.config.fault_log)
