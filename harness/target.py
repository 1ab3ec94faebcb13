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
    stack: EmbeddedStack | None = None

    @classmethod
    def embedded(cls, stack: EmbeddedStack, contract: Contract | None = None) -> Target:
        info = stack.ready_info()
        api, pusher = info["api"], info["pusher"]
        endpoint = PusherEndpoint(key=pusher["key"], host=pusher["host"], port=pusher["port"], secret=pusher["secret"])
        return cls(api["base_url"], api["hotel"], api["token"], endpoint, contract or Contract(),
                   other_hotel=api["other_hotel"], other_token=api["other_token"], stack=stack)

    def api(self) -> StocktakeApi:
        return StocktakeApi(self.base_url, self.hotel, self.token, auth_scheme=self.auth_scheme)

    def other_api(self, url_hotel: str | None = None) -> StocktakeApi | None:
        """The second hotel's user, optionally aiming at another hotel's URL."""
        if not (self.other_hotel and self.other_token):
            return None
        return StocktakeApi(self.base_url, url_hotel or self.other_hotel, self.other_token,
                            auth_scheme=self.auth_scheme)

    def server_logs(self) -> dict[str, list[dict[str, Any]]]:
        if self.stack is None or self.stack.pusher is None:
            return {"faults": [], "rejections": []}
        response = requests.get(f"http://127.0.0.1:{self.stack.pusher_port}/_harness/log", timeout=10)
        return response.json()

    def secrets(self) -> list[str]:
        """Strings that must never appear in a report."""
        return [s for s in (self.token, self.other_token, self.pusher.secret) if s]
