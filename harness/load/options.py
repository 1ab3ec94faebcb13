"""The Locust command-line options of the sync checks (Locust's own parser, so the web UI shows them).

The target options are generated from the one settings table (`harness.run.settings`) under
`stocksync run`'s own names (`--target`, `--token`, `--no-pusher-tls`, ...), with the `--sync-`
names as aliases, so both faces take the same settings with the same validation, precedence and
messages. Locust's `--config` is its own file, so the `[target]` TOML is `--sync-config`.
Secrets are masked in the web UI's form (`is_secret`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import StocksyncError
from ..run.settings import CONFIG_ENV, ENV, FLAG, SECRET_NAMES, SETTINGS, TargetSettings, merge

# (dest, flags, environment variable, help, default): the options that only load runs have
LOAD_OPTIONS: tuple[tuple[str, tuple[str, ...], str, str, Any], ...] = (
    ("sync_listeners", ("--sync-listeners",), "STOCKSYNC_LISTENERS", "Listeners per Locust process", 4),
    (
        "sync_listener_kind",
        ("--sync-listener-kind",),
        "STOCKSYNC_LISTENER_KIND",
        "pysher, asyncio or browser (Chromium pages)",
        "pysher",
    ),
    (
        "sync_scenario",
        ("--sync-scenario",),
        "STOCKSYNC_SCENARIO",
        "Scenario name or file (think times, lines, limits, role weights)",
        "busy-stocktake",
    ),
    (
        "sync_contract",
        ("--contract", "--sync-contract"),
        "STOCKSYNC_CONTRACT",
        "Contract TOML file (default: the seed contract)",
        "",
    ),
    ("sync_fault", ("--sync-fault",), "STOCKSYNC_FAULT", "Embedded stack only: comma-separated faults to inject", ""),
    ("sync_report_dir", ("--report-dir", "--sync-report-dir"), "STOCKSYNC_REPORT_DIR", "Where reports go", "reports"),
    (
        "sync_config",
        ("--sync-config",),
        CONFIG_ENV,
        "TOML file with a [target] table of the target settings (stocksync run's --config)",
        "",
    ),
)


def add_arguments(parser: Any) -> None:
    _refuse_without_values(parser)
    for setting in SETTINGS:
        common = {
            "dest": setting.locust_dest,
            "env_var": setting.env,
            "help": f"{setting.help} [env {setting.env}]",
        }
        if setting.boolean:
            parser.add_argument(
                *setting.locust_flags, action="store_true", default=None, include_in_web_ui=True, **common
            )
            parser.add_argument(
                "--no-" + setting.flag.removeprefix("--"),
                dest=setting.locust_dest,
                action="store_false",
                default=None,
                include_in_web_ui=False,
                help=f"Not {setting.flag}",
            )
        else:
            parser.add_argument(
                *setting.locust_flags,
                default="",
                metavar=setting.name.upper(),
                include_in_web_ui=True,
                is_secret=setting.secret,
                **common,
            )
    for dest, flags, env, help_text, default in LOAD_OPTIONS:
        kind = int if isinstance(default, int) else str
        parser.add_argument(*flags, dest=dest, env_var=env, default=default, type=kind, help=f"{help_text} [env {env}]")
    parser.add_argument(
        "--keep",
        "--sync-keep",
        dest="sync_keep",
        env_var="STOCKSYNC_KEEP",
        action="store_true",
        default=False,
        include_in_web_ui=True,
        help="Target mode: keep the stocktakes the run created (default: delete them at the end) [env STOCKSYNC_KEEP]",
    )
    # Locust prints --help before it imports the locustfile, so these options are not in it
    parser.add_argument(
        "--sync-help", action="help", include_in_web_ui=False, help="Locust's help with the stocksync options"
    )


UNRECOGNIZED = "unrecognized arguments: "


def _refuse_without_values(parser: Any) -> None:
    """Locust (argparse) refuses an unknown option by echoing the rest of the command line, so a
    mistyped `--tokn SECRET` would print the secret: only the option names are shown."""
    refuse = parser.error

    def error(message: str) -> Any:
        if message.startswith(UNRECOGNIZED):
            words = message.removeprefix(UNRECOGNIZED).split()
            names = [word.split("=", 1)[0] for word in words if word.startswith("-")]
            message = f"{UNRECOGNIZED}{' '.join(names) or '(values)'} (their values are not shown: they may be secrets)"
        return refuse(message)

    parser.error = error


def target_flags(options: Any) -> dict[str, Any]:
    """Locust's parsed options -> the settings `harness.run.settings.merge` validates."""
    return {s.name: getattr(options, s.locust_dest, None) for s in SETTINGS}


def sources(options: Any, argv: Sequence[str], environ: Mapping[str, str]) -> dict[str, int]:
    """Which settings came from the environment and which from a flag (or the web UI's form), as
    click tells `stocksync run`: from the environment when no flag of it is on the command line and
    its value is the environment's (a value typed into the form is a choice made there, like a flag)."""
    given = {arg.split("=", 1)[0] for arg in argv if arg.startswith("--")}
    out: dict[str, int] = {}
    for s in SETTINGS:
        value = getattr(options, s.locust_dest, None)
        flags = {*s.locust_flags, "--no-" + s.flag.removeprefix("--")}
        from_env = s.env in environ and not given & flags and _same(value, environ[s.env], s.boolean)
        out[s.name] = ENV if from_env else FLAG
    return out


def _same(value: Any, text: str, boolean: bool) -> bool:
    return bool(value) == (text.strip().lower() in ("1", "true", "yes")) if boolean else str(value) == text


def settings_of(options: Any) -> TargetSettings:
    """The target settings of a load run, as `stocksync run` would resolve the same flags,
    environment and config file. The sources are the master's (`sync_sources`, set at test start
    and sent to workers with the options), else this process's own command line and environment."""
    found = getattr(options, "sync_sources", None) or sources(options, sys.argv[1:], os.environ)
    config = getattr(options, "sync_config", "") or None
    return merge(target_flags(options), Path(config) if config else None, found)


def secrets_of(options: Any) -> list[str]:
    """The strings no message, log or report may show: the secret settings as given, and as
    resolved with the config file when they resolve."""
    given = {str(v) for name, v in target_flags(options).items() if v and name in SECRET_NAMES}
    try:
        return sorted(given | set(settings_of(options).secrets()))
    except StocksyncError:
        return sorted(given)


def redacted(text: str, secrets: list[str]) -> str:
    """`text` with every secret that stands as a token of its own (not inside a longer word, so a
    one-letter test token does not eat the message) replaced."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", "[redacted]", text)
    return text
