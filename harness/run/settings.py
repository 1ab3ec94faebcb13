"""Target settings: one table, validated by one pydantic model, whatever the source.

`SETTINGS` declares every target setting once: its `stocksync run` flag, its Locust flag
(`--sync-...`; Pusher's own keep `--pusher-...`), its environment variable and its help.
The click options (`harness.cli.run`) and Locust's options (`harness.load.options`) are
generated from it, and `TargetSettings` validates what they and a `--config` file's
`[target]` table give, so a bad value reads the same from every source.

Precedence: a flag or its environment variable (click merges those) over the config file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import SettingsError
from ..input_files import parse_toml, read_text

CONFIG_ENV = "STOCKSYNC_CONFIG"  # the --config file of [target] settings, for every face


@dataclass(frozen=True)
class Setting:
    name: str
    flag: str
    env: str
    help: str
    boolean: bool = False

    @property
    def locust_flag(self) -> str:
        return self.flag if self.flag.startswith("--pusher-") else "--sync-" + self.flag.removeprefix("--")

    @property
    def locust_dest(self) -> str:
        return self.locust_flag.removeprefix("--").replace("-", "_")

    @property
    def locust_flags(self) -> tuple[str, ...]:
        """Locust takes `stocksync run`'s own flag (Locust has none of these names) and keeps the
        `--sync-` alias earlier load runs were started with."""
        return tuple(dict.fromkeys((self.flag, self.locust_flag)))

    @property
    def secret(self) -> bool:
        return self.name in SECRET_NAMES


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "target",
        "--target",
        "STOCKSYNC_TARGET",
        "API base URL up to the hotel, e.g. https://staging/api/stock_tracker (default: the embedded stack)",
    ),
    Setting("token", "--token", "STOCKSYNC_TOKEN", "API token of a staff user of --hotel"),
    Setting("hotel", "--hotel", "STOCKSYNC_HOTEL", "Hotel identifier in URLs and channel names (slug or id)"),
    Setting("auth_scheme", "--auth-scheme", "STOCKSYNC_AUTH_SCHEME", "Authorization scheme: Token (default) or Bearer"),
    Setting("other_hotel", "--other-hotel", "STOCKSYNC_OTHER_HOTEL", "A second hotel, for the cross-hotel checks"),
    Setting("other_token", "--other-token", "STOCKSYNC_OTHER_TOKEN", "A token of a user of --other-hotel"),
    Setting("pusher_key", "--pusher-key", "PUSHER_KEY", "Pusher app key"),
    Setting("pusher_cluster", "--pusher-cluster", "PUSHER_CLUSTER", "Pusher cluster (real Pusher), e.g. eu"),
    Setting("pusher_host", "--pusher-host", "PUSHER_HOST", "Host of a self-hosted Pusher-compatible server"),
    Setting("pusher_port", "--pusher-port", "PUSHER_PORT", "Port of a self-hosted Pusher-compatible server"),
    Setting(
        "pusher_tls",
        "--pusher-tls",
        "PUSHER_TLS",
        "TLS to a self-hosted server (real Pusher always uses TLS)",
        boolean=True,
    ),
    Setting(
        "pusher_secret",
        "--pusher-secret",
        "PUSHER_SECRET",
        "App secret: signs private channels locally, and reads the log of a stocksync serve the backend uses",
    ),
    Setting(
        "auth_endpoint",
        "--auth-endpoint",
        "STOCKSYNC_AUTH_ENDPOINT",
        "Channel auth endpoint for private-/presence- channels (as pusher-js uses)",
    ),
)
NAMES = tuple(s.name for s in SETTINGS)
SECRET_NAMES = ("token", "other_token", "pusher_secret")


Text = Annotated[str, Field(max_length=2048)]  # a URL, a token, a host: bounded like every other input


class TargetSettings(BaseModel):
    """What every source is validated into; None means "not given"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: Text | None = None
    token: Text | None = None
    hotel: Text | None = None
    auth_scheme: Literal["Token", "Bearer"] | None = None
    other_hotel: Text | None = None
    other_token: Text | None = None
    pusher_key: Text | None = None
    pusher_cluster: Text | None = None
    pusher_host: Text | None = None
    pusher_port: int | None = Field(None, ge=0, le=65535)
    pusher_tls: bool | None = None
    pusher_secret: Text | None = None
    auth_endpoint: Text | None = None
    origins: dict[str, str] = Field(default_factory=dict, exclude=True)  # where each setting came from

    def describe(self, name: str) -> str:
        """`--pusher-host` (flag), say: the setting's name and where its value came from."""
        setting = next(s for s in SETTINGS if s.name == name)
        return f"{setting.flag} ({self.origins.get(name, 'default')})"

    def secrets(self) -> list[str]:
        """Strings that must never appear in a report."""
        return [value for name in SECRET_NAMES if (value := getattr(self, name))]


def _validated(values: dict[str, Any], source: str) -> TargetSettings:
    try:
        return TargetSettings.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            where = f"[target] {name}" if source != "flags" else "--" + name.replace("_", "-")
            shown = repr(error.get("input"))
            problems.append(f"{where}: {error['msg']} (got {shown[:60] + '…' if len(shown) > 60 else shown})")
        prefix = f"{source}: " if source != "flags" else ""
        raise SettingsError(prefix + "; ".join(problems)) from None


def from_config(path: Path | None) -> dict[str, Any]:
    """The config file's [target] table, validated (unknown keys and wrong types refused)."""
    if path is None:
        return {}
    raw = parse_toml(read_text(path, "config file", SettingsError), str(path), SettingsError)
    table = raw.get("target", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [target] must be a table")
    unknown = set(table) - set(NAMES)
    if unknown:
        raise SettingsError(f"{path}: unknown [target] key(s) {sorted(unknown)}; known: {sorted(NAMES)}")
    return _validated(table, str(path)).model_dump(exclude_none=True)


FLAG, ENV, CONFIG = 3, 2, 1  # precedence: a flag beats the environment, which beats --config
SELF_HOSTED = ("pusher_host", "pusher_port", "pusher_tls")


def merge(
    flags: dict[str, Any], config_file: Path | None = None, sources: dict[str, int] | None = None
) -> TargetSettings:
    """Flags and environment (merged by click or Locust; `sources` says which was which, FLAG by
    default) over the config file. Where to find Pusher is one choice: a cluster (real Pusher) or a
    host (self-hosted). A choice made at a higher level wins (an explicit `--pusher-host` is not
    overridden by PUSHER_CLUSTER in the environment); both at the same level is refused, naming both."""
    merged = from_config(config_file)
    level = {name: CONFIG for name in merged}
    for name, value in flags.items():
        if name in NAMES and value is not None and value != "":
            merged[name] = value
            level[name] = (sources or {}).get(name, FLAG)
    if merged.get("pusher_cluster") and merged.get("pusher_host"):
        cluster, host = level["pusher_cluster"], level["pusher_host"]
        if cluster == host:
            where = {FLAG: "as flags", ENV: "in the environment", CONFIG: f"in {config_file}"}[host]
            raise SettingsError(
                f"--pusher-cluster and --pusher-host are both given {where}: pick one "
                "(a cluster for real Pusher, a host for a self-hosted server)"
            )
        for name in ("pusher_cluster",) if host > cluster else SELF_HOSTED:
            merged.pop(name, None)
    settings = _validated(merged, "flags")
    return settings.model_copy(update={"origins": {n: ORIGIN_WORDS[level[n]] for n in merged if n in level}})


ORIGIN_WORDS = {FLAG: "flag", ENV: "environment", CONFIG: "config file"}
