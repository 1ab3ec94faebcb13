"""What a run talks to: the embedded default (started here) or a real deployment (URLs and flags).

Everything downstream sees only a `Target`: API credentials, a Pusher endpoint and the
contract. The embedded target, and a remote backend pointed at `stocksync serve` as its
Pusher server (given `--pusher-secret`), can also hand over the Pusher server's own log
(injected faults, refused triggers), which the runner adds to the history as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import requests
from pusher import http as pusher_http
from pusher.pusher_client import PusherClient

from ..api import ApiRequest, StocktakeApi
from ..bots.endpoint import SDK_APP_ID, PusherEndpoint
from ..errors import SettingsError
from ..spec.contract import Contract
from .settings import TargetSettings

if TYPE_CHECKING:  # a target only reads a started stack's ready info: a remote one never starts it
    from ..sim.stack import EmbeddedStack

LOG_PATH = "/_harness/log"
NO_SECRET = "no --pusher-secret"


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
    servers_here: bool = False
    """The embedded stack runs in this process: its stalls hold the backend and Pusher server up too."""

    @property
    def remote(self) -> bool:
        """A deployment of someone else's: cleaned up after, probed for exposure; its backend keeps no log
        for the run, and its Pusher server's is read only when it is ours (`pusher_log_readable`)."""
        return self.logs_url is None

    @classmethod
    def from_settings(cls, s: TargetSettings, contract: Contract) -> Target | None:
        """A real deployment, or None for the embedded default; what is missing is said by name.

        `--target` is the API base up to, not including, the hotel (the simulator's is
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
        """The embedded stack started in this process."""
        target = cls.from_ready_info(stack.ready_info(), contract)
        target.servers_here = True
        return target

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

    @property
    def pusher_log_readable(self) -> bool:
        """Whether the Pusher server may be asked for its log: ours embedded, or a self-hosted server
        (a `stocksync serve` the backend points at) whose app secret the run was given. Real Pusher
        keeps no such log, so a cluster is never asked."""
        return self.pusher.secret is not None and (self.logs_url is not None or not self.pusher.cluster)

    def server_logs(self) -> dict[str, Any]:
        """The servers' own record (injected faults, refused triggers). The Pusher server's is fetched
        with a request signed as Pusher's HTTP API is (the official SDK signs it); the embedded
        backend's through the API. `read` says whether a Pusher server log was had at all, and `why`
        not: a run that could not see the server side must not read as one that saw nothing there."""
        logs: dict[str, Any] = {"faults": [], "rejections": [], "read": False}
        if not self.pusher_log_readable:
            return {**logs, "why": "real Pusher keeps no log of refused triggers" if self.pusher.cluster else NO_SECRET}
        try:
            response = requests.get(self._signed_url(self.logs_url or LOG_PATH), timeout=10)
        except requests.RequestException as exc:
            return {**logs, "why": f"the Pusher server's log could not be fetched: {exc}"}
        if response.status_code != 200 or not isinstance(_json_or_none(response), dict):
            status = response.status_code
            return {**logs, "why": f"the Pusher server answered {status} for its log (not stocksync serve)"}
        logs = {**logs, **response.json(), "read": True}
        if self.logs_url is not None:
            api = self.api()
            backend = api.send(ApiRequest("GET", self.logs_url))
            if backend.ok and isinstance(backend.body, dict):
                logs["faults"] = [*logs["faults"], *backend.body.get("faults", [])]
                logs["faults_dropped"] = logs.get("faults_dropped", 0) + backend.body.get("faults_dropped", 0)
            else:  # the faults the backend injected are not known: `fault_coverage` cannot hold them
                logs["backend_unread"] = f"the backend answered {backend.status} for its log of injected faults"
        return logs

    def _signed_url(self, path: str) -> str:
        client = PusherClient(
            app_id=SDK_APP_ID,
            key=self.pusher.key,
            secret=str(self.pusher.secret),
            host=self.pusher.host,
            port=self.pusher.port,
            ssl=self.pusher.tls,
        )
        return str(pusher_http.Request(client, "GET", path).url)

    def secrets(self) -> list[str]:
        """Strings that must never appear in a report (the settings' SECRET_NAMES)."""
        return [s for s in (self.token, self.other_token, self.pusher.secret) if s]


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


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
