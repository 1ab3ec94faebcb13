"""The embedded default: the Pusher server and the backend simulator on 127.0.0.1.

`EmbeddedStack` is what `stocksync serve`, `stocksync run`, the pytest fixtures and the
Locust file start when no target is given; `ready_info()` is the one JSON shape every
client (a bot, pusher-js, another process) needs to reach it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..spec.faults import FaultSelection, select
from .backend import BackendConfig, BackendSimulator, PusherTarget
from .background import BackgroundLoop, raise_collected
from .pusher import PusherConfig, PusherServer


@dataclass(frozen=True)
class StackOptions:
    faults: FaultSelection = field(default_factory=lambda: select([]))
    seed: int = 7
    pusher_port: int = 0
    api_port: int = 0
    items_per_hotel: int = 300
    delay_ms: int = 1500
    slow_ms: int = 1500
    activity_timeout: int = 120
    pong_timeout: float = 30.0
    fault_log: Path | None = None
    private_channels: bool = False


class EmbeddedStack:
    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.loop: BackgroundLoop | None = None
        self.pusher: PusherServer | None = None
        self.backend: BackendSimulator | None = None
        self.pusher_port = 0
        self.api_port = 0

    def start(self) -> EmbeddedStack:
        opts = self.options
        self.loop = BackgroundLoop()
        try:
            self.pusher = PusherServer(
                PusherConfig(
                    activity_timeout=opts.activity_timeout,
                    pong_timeout=opts.pong_timeout,
                    faults=opts.faults.delivery_faults(opts.seed, opts.delay_ms),
                    fault_log=opts.fault_log,
                )
            )
            self.pusher_port = self.loop.serve(self.pusher.app, opts.pusher_port)
            cfg = self.pusher.config
            target = PusherTarget(cfg.app_id, cfg.key, cfg.secret, port=self.pusher_port)
            self.backend = BackendSimulator(
                BackendConfig(
                    pusher=target,
                    faults=opts.faults.backend,
                    seed=opts.seed,
                    items_per_hotel=opts.items_per_hotel,
                    slow_ms=opts.slow_ms,
                    private_channels=opts.private_channels,
                )
            )
            self.api_port = self.loop.serve(self.backend.app, opts.api_port)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.stop()
            self.loop = None

    def __enter__(self) -> EmbeddedStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def check(self) -> None:
        """Re-raise any exception a server handler swallowed into a 500."""
        assert self.pusher is not None and self.backend is not None
        raise_collected(self.pusher.errors + self.backend.errors)

    def ready_info(self) -> dict[str, Any]:
        assert self.pusher is not None and self.backend is not None
        cfg = self.pusher.config
        base = (f"http://127.0.0.1:{self.api_port}" + self.backend.config.prefix.split("{hotel}")[0]).rstrip("/")
        api = {"base_url": base, **self.backend.credentials()}
        if self.options.private_channels:
            api.update(channel_prefix="private-", auth_endpoint=f"{base}/{api['hotel']}/pusher/auth/")
        return {
            "pusher": {
                "host": "127.0.0.1",
                "port": self.pusher_port,
                "app_id": cfg.app_id,
                "key": cfg.key,
                "secret": cfg.secret,
            },
            "api": api,
            "faults": self.options.faults.names,
        }
