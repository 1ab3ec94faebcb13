"""Target mode settings: flags, else environment variables, else a config file's [target] table.

`--target` is the API base up to the hotel segment (the simulator's is
`http://127.0.0.1:PORT/api/stock_tracker`); the hotel is appended per call, so another
URL prefix or a numeric hotel id needs nothing special.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import click

from .bots.endpoint import PusherEndpoint
from .contract import Contract
from .target import Target

# (option name, flag, environment variable, help)
SETTINGS: tuple[tuple[str, str, str, str], ...] = (
    ("target", "--target", "STOCKSYNC_TARGET", "API base URL up to the hotel, e.g. https://staging/api/stock_tracker"),
    ("token", "--token", "STOCKSYNC_TOKEN", "API token of a staff user of --hotel"),
    ("hotel", "--hotel", "STOCKSYNC_HOTEL", "Hotel identifier in URLs and channel names (slug or id)"),
    ("auth_scheme", "--auth-scheme", "STOCKSYNC_AUTH_SCHEME", "Authorization scheme: Token (default) or Bearer"),
    ("other_hotel", "--other-hotel", "STOCKSYNC_OTHER_HOTEL", "A second hotel, for the cross-hotel checks"),
    ("other_token", "--other-token", "STOCKSYNC_OTHER_TOKEN", "A token of a user of --other-hotel"),
    ("pusher_key", "--pusher-key", "PUSHER_KEY", "Pusher app key"),
    ("pusher_cluster", "--pusher-cluster", "PUSHER_CLUSTER", "Pusher cluster (real Pusher), e.g. eu"),
    ("pusher_host", "--pusher-host", "PUSHER_HOST", "Host of a self-hosted Pusher-compatible server"),
    ("pusher_port", "--pusher-port", "PUSHER_PORT", "Port of a self-hosted Pusher-compatible server"),
    ("pusher_secret", "--pusher-secret", "PUSHER_SECRET", "App secret, only to sign private channels locally"),
    ("auth_endpoint", "--auth-endpoint", "STOCKSYNC_AUTH_ENDPOINT",
     "Channel auth endpoint for private-/presence- channels (as pusher-js uses)"),
)


class TargetError(ValueError):
    pass


def target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for name, flag, env, help_text in reversed(SETTINGS):
        command = click.option(flag, name, envvar=env, show_envvar=True, help=help_text)(command)
    command = click.option("--pusher-tls/--no-pusher-tls", "pusher_tls", default=None, envvar="PUSHER_TLS",
                           help="TLS to a self-hosted server (real Pusher always uses TLS).")(command)
    command = click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                           envvar="STOCKSYNC_CONFIG", help="TOML file with a [target] table of these settings.")(command)
    command = click.option("--dry-run", is_flag=True, help="Target mode: print the plan and touch nothing.")(command)
    return click.option("--keep", is_flag=True, help="Target mode: leave the run's stocktakes for inspection.")(command)


def _config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    table = raw.get("target", {})
    known = {name for name, *_ in SETTINGS} | {"pusher_tls"}
    unknown = set(table) - known
    if unknown:
        raise TargetError(f"{path}: unknown [target] key(s) {sorted(unknown)}; known: {sorted(known)}")
    return dict(table)


def settings(flags: dict[str, Any]) -> dict[str, Any]:
    """Flags and environment (click already merged those) over the config file."""
    merged = _config(flags.get("config_file"))
    known = {name for name, *_ in SETTINGS} | {"pusher_tls"}
    merged.update({k: v for k, v in flags.items() if v is not None and k in known})
    return merged


def resolve_target(flags: dict[str, Any], contract: Contract) -> Target | None:
    s = settings(flags)
    if not s.get("target"):
        if any(s.get(k) for k in ("token", "hotel", "pusher_key")):
            raise TargetError("--token/--hotel/--pusher-key were given without --target")
        return None
    url = urlparse(s["target"])
    if url.scheme not in ("http", "https") or not url.netloc:
        raise TargetError(f"--target must be an http(s) URL, got {s['target']!r}")
    for name in ("token", "hotel", "pusher_key"):
        if not s.get(name):
            raise TargetError(f"target mode needs --{name.replace('_', '-')} (or its environment variable)")
    if not (s.get("pusher_cluster") or s.get("pusher_host")):
        raise TargetError("target mode needs --pusher-cluster (real Pusher) or --pusher-host/--pusher-port")
    scheme = s.get("auth_scheme") or "Token"
    if scheme not in ("Token", "Bearer"):
        raise TargetError(f"--auth-scheme must be Token or Bearer, got {scheme!r}")
    try:
        port = int(s.get("pusher_port") or (443 if s.get("pusher_tls") else 80))
    except ValueError:
        raise TargetError(f"--pusher-port must be a number, got {s.get('pusher_port')!r}") from None
    auth_headers = {"Authorization": f"{scheme} {s['token']}"} if s.get("auth_endpoint") else {}
    endpoint = PusherEndpoint(key=s["pusher_key"], host=s.get("pusher_host") or "127.0.0.1", port=port,
                              tls=bool(s.get("pusher_tls")), cluster=s.get("pusher_cluster"),
                              secret=s.get("pusher_secret"), auth_endpoint=s.get("auth_endpoint"),
                              auth_headers=auth_headers)
    return Target(s["target"].rstrip("/"), str(s["hotel"]), s["token"], endpoint, contract, auth_scheme=scheme,
                  other_hotel=s.get("other_hotel"), other_token=s.get("other_token"))
