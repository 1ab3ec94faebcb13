"""What a run talks to: the embedded default (started here) or a real deployment (URLs and flags).

Everything downstream sees only a `Target`: API credentials, a Pusher endpoint and the
contract. Only the embedded target can also hand over the servers' own logs (injected
faults, triggers refused for size), which the runner adds to the history as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import requests
from pusher import http as pusher_http
from pusher.pusher_client import PusherClient

from ..api import ApiRequest, StocktakeApi
from ..bots.endpoint import SDK_APP_ID, PusherEndpoint
from ..contract import Contract
from ..errors import SettingsError
from ..sim.stack import EmbeddedStack
from .settings import TargetSettings

LOG_PATH = "/_harness/log"


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
    request_timeout_s: float = 15.0
    faults: list[str] = field(default_factory=list)  # injected into the embedded stack, for the record

    @property
    def remote(self) -> bool:
        """A deployment of someone else's: cleaned up after, probed for exposure, no server logs."""
        return self.logs_url is None

    @classmethod
    def from_settings(cls, s: TargetSettings, contract: Contract) -> Target | None:
        """A real deployment, or None for the embedded default; what is missing is said by name.

        `--target` is the API base up to the hotel segment (the simulator's is
        `http://127.0.0.1:PORT/api/stock_tracker`); the hotel is appended per call, so
        another URL prefix or a numeric hotel id needs nothing special.
        """
        if not s.target:
            if s.token or s.hotel or s.pusher_key:
                raise SettingsError("--token/--hotel/--pusher-key were given without --target")
            return None
        target, hotel, token = _complete(s)
        scheme = s.auth_scheme or "Token"
        return cls(
            target.rstrip("/"),
            hotel,
            token,
            _endpoint(s, scheme, token),
            contract,
            auth_scheme=scheme,
            other_hotel=s.other_hotel,
            other_token=s.other_token,
        )

    @classmethod
    def embedded(cls, stack: EmbeddedStack, contract: Contract | None = None) -> Target:
        return cls.from_ready_info(stack.ready_info(), contract)

    @classmethod
    def from_ready_info(cls, info: dict[str, Any], contract: Contract | None = None) -> Target:
        """The embedded stack, in this process or another, from the line `stocksync serve` prints."""
        api, pusher = info["api"], info["pusher"]
        endpoint = PusherEndpoint(key=pusher["key"], host=pusher["host"], port=pusher["port"], secret=pusher["secret"])
        return cls(
            api["base_url"],
            api["hotel"],
            api["token"],
            endpoint,
            contract or Contract(),
            other_hotel=api["other_hotel"],
            other_token=api["other_token"],
            logs_url=LOG_PATH,
            faults=list(info.get("faults", [])),
        )

    def api(self, session: requests.Session | None = None) -> StocktakeApi:
        """`session` sends the requests some other way: a browser page's fetch (`BrowserSession`)."""
        return StocktakeApi(
            self.base_url,
            self.hotel,
            self.token,
            auth_scheme=self.auth_scheme,
            timeout=self.request_timeout_s,
            session=session,
        )

    def other_api(self, url_hotel: str | None = None) -> StocktakeApi | None:
        """The second hotel's user, optionally aiming at another hotel's URL."""
        if not (self.other_hotel and self.other_token):
            return None
        return StocktakeApi(
            self.base_url,
            url_hotel or self.other_hotel,
            self.other_token,
            auth_scheme=self.auth_scheme,
            timeout=self.request_timeout_s,
            identity=self.other_hotel,
        )

    def server_logs(self) -> dict[str, Any]:
        """The embedded server's own record (injected faults, refused triggers), fetched with a request
        the official SDK signs, as the server demands of every API call."""
        if self.logs_url is None or self.pusher.secret is None:
            return {"faults": [], "rejections": []}
        api = self.api()
        backend = api.send(ApiRequest("GET", self.logs_url))
        client = PusherClient(
            app_id=SDK_APP_ID,
            key=self.pusher.key,
            secret=self.pusher.secret,
            host=self.pusher.host,
            port=self.pusher.port,
            ssl=self.pusher.tls,
        )
        response = requests.get(pusher_http.Request(client, "GET", self.logs_url).url, timeout=10)
        response.raise_for_status()
        logs: dict[str, Any] = response.json()
        if backend.ok and isinstance(backend.body, dict):
            logs["faults"] = [*logs["faults"], *backend.body.get("faults", [])]
            logs["faults_dropped"] = logs.get("faults_dropped", 0) + backend.body.get("faults_dropped", 0)
        return logs

    def secrets(self) -> list[str]:
        """Strings that must never appear in a report (the settings' SECRET_NAMES)."""
        return [s for s in (self.token, self.other_token, self.pusher.secret) if s]


def _complete(s: TargetSettings) -> tuple[str, str, str]:
    """(target, hotel, token) of settings that name a target, or the first thing missing."""
    try:
        url = urlparse(s.target or "")
        url.port  # noqa: B018 - parsing the port is what refuses "http://[::1" and "http://h:99999"
    except ValueError as exc:
        raise SettingsError(f"--target is not a URL ({exc}): {s.target!r}") from None
    if url.scheme not in ("http", "https") or not url.netloc:
        raise SettingsError(f"--target must be an http(s) URL, got {s.target!r}")
    for name in ("token", "hotel", "pusher_key"):
        if not getattr(s, name):
            raise SettingsError(f"target mode needs --{name.replace('_', '-')} (or its environment variable)")
    if not (s.pusher_cluster or s.pusher_host):
        raise SettingsError("target mode needs --pusher-cluster (real Pusher) or --pusher-host/--pusher-port")
    return str(s.target), str(s.hotel), str(s.token)


def _endpoint(s: TargetSettings, scheme: str, token: str) -> PusherEndpoint:
    """Where listeners connect; the auth endpoint gets the user's own credentials, as pusher-js sends them."""
    return PusherEndpoint(
        key=str(s.pusher_key),
        host=s.pusher_host or "127.0.0.1",
        port=s.pusher_port or (443 if s.pusher_tls else 80),
        tls=bool(s.pusher_tls),
        cluster=s.pusher_cluster,
        secret=s.pusher_secret,
        auth_endpoint=s.auth_endpoint,
        auth_headers={"Authorization": f"{scheme} {token}"} if s.auth_endpoint else {},
    )
