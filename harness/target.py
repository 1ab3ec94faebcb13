"""What a run talks to: the embedded default (started here) or a real deployment (URLs and flags).

Everything downstream sees only a `Target`: API credentials, a Pusher endpoint and the
contract. Only the embedded target can also hand over the servers' own logs (injected
faults, triggers refused for size), which the runner adds to the history as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from .api import StocktakeApi
from .bots.endpoint import PusherEndpoint
from .contract import Contract
from .sim.stack import EmbeddedStack


@dataclass
class Target:
    base_url: str
    hotel: str
    token: str = field(repr=False)
    pusher: PusherEndpoint
    contract: Contract = field(default_factory=Contract)
    auth_scheme: str = "Token"
    other_hotel: str | None = None
    other_token: str | None = field(default=None, repr=False)
    logs_url: str | None = None

    @property
    def remote(self) -> bool:
        """A deployment of someone else's: cleaned up after, probed for exposure, no server logs."""
        return self.logs_url is None

    @classmethod
    def embedded(cls, stack: EmbeddedStack, contract: Contract | None = None) -> Target:
        return cls.from_ready_info(stack.ready_info(), contract)

    @classmethod
    def from_ready_info(cls, info: dict[str, Any], contract: Contract | None = None) -> Target:
        """The embedded stack, in this process or another, from the line `stocksync serve` prints."""
        api, pusher = info["api"], info["pusher"]
        endpoint = PusherEndpoint(key=pusher["key"], host=pusher["host"], port=pusher["port"], secret=pusher["secret"])
        return cls(api["base_url"], api["hotel"], api["token"], endpoint, contract or Contract(),
                   other_hotel=api["other_hotel"], other_token=api["other_token"],
                   logs_url=f"http://{pusher['host']}:{pusher['port']}/_harness/log")

    def api(self) -> StocktakeApi:
        return StocktakeApi(self.base_url, self.hotel, self.token, auth_scheme=self.auth_scheme)

    def other_api(self, url_hotel: str | None = None) -> StocktakeApi | None:
        """The second hotel's user, optionally aiming at another hotel's URL."""
        if not (self.other_hotel and self.other_token):
            return None
        return StocktakeApi(self.base_url, url_hotel or self.other_hotel, self.other_token,
                            auth_scheme=self.auth_scheme)

    def server_logs(self) -> dict[str, list[dict[str, Any]]]:
        if self.logs_url is None:
            return {"faults": [], "rejections": []}
        return requests.get(self.logs_url, timeout=10).json()

    def secrets(self) -> list[str]:
        """Strings that must never appear in a report."""
        return [s for s in (self.token, self.other_token, self.pusher.secret) if s]
