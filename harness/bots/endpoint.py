"""Where listeners connect, and how they authorise private and presence channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pusher
import requests

from ..errors import AuthRefused

SDK_APP_ID = "1"  # the SDK wants a numeric one; no signature depends on it


@dataclass(frozen=True)
class PusherEndpoint:
    key: str
    host: str = "127.0.0.1"
    port: int = 443
    tls: bool = False
    cluster: str | None = None
    secret: str | None = field(default=None, repr=False)
    auth_endpoint: str | None = None
    auth_headers: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def ws_host(self) -> str:
        return f"ws-{self.cluster}.pusher.com" if self.cluster else self.host

    @property
    def ws_port(self) -> int:
        return 443 if self.cluster else self.port

    @property
    def secure(self) -> bool:
        return True if self.cluster else self.tls

    def url(self, protocol: int = 7) -> str:
        scheme = "wss" if self.secure else "ws"
        return f"{scheme}://{self.ws_host}:{self.ws_port}/app/{self.key}?protocol={protocol}&client=stocksync&version=1"

    def authorise(self, socket_id: str, channel: str, channel_data: dict[str, Any] | None = None) -> dict[str, str]:
        """The subscribe fields for a private or presence channel, as pusher-js would obtain them: from the
        auth endpoint, or signed locally with the official server SDK (never the simulated server's own
        signing code, so a mistake there cannot hide behind the same mistake here)."""
        if self.auth_endpoint:
            form = {"socket_id": socket_id, "channel_name": channel}
            response = requests.post(self.auth_endpoint, data=form, headers=self.auth_headers, timeout=10)
            if response.status_code != 200:
                raise AuthRefused(f"auth endpoint answered {response.status_code} for {channel}")
            return {k: v for k, v in response.json().items() if k in ("auth", "channel_data")}
        if not self.secret:
            raise AuthRefused(f"{channel} needs an auth endpoint or the app secret")
        sdk = pusher.Pusher(app_id=SDK_APP_ID, key=self.key, secret=self.secret)
        try:
            signed = sdk.authenticate(channel=channel, socket_id=socket_id, custom_data=channel_data)
        except ValueError as exc:
            raise AuthRefused(f"cannot sign {channel} for socket {socket_id!r}: {exc}") from None
        return {k: str(v) for k, v in signed.items() if k in ("auth", "channel_data")}
