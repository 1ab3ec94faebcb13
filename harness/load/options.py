"""The Locust command-line options of the sync checks (Locust's own parser, so the web UI shows them).

The target options are generated from the one settings table (`harness.run.settings`), so
`stocksync run` and Locust take the same settings with the same validation and messages.
"""

from __future__ import annotations

from typing import Any

from ..run.settings import SETTINGS

# (dest, flag, environment variable, help, default): the options that only load runs have
LOAD_OPTIONS: tuple[tuple[str, str, str, str, Any], ...] = (
    ("sync_listeners", "--sync-listeners", "STOCKSYNC_LISTENERS", "Listeners per Locust process", 4),
    (
        "sync_listener_kind",
        "--sync-listener-kind",
        "STOCKSYNC_LISTENER_KIND",
        "pysher, asyncio or browser (Chromium pages)",
        "pysher",
    ),
    (
        "sync_scenario",
        "--sync-scenario",
        "STOCKSYNC_SCENARIO",
        "Scenario name or file (think times, lines, limits)",
        "busy-stocktake",
    ),
    ("sync_contract", "--sync-contract", "STOCKSYNC_CONTRACT", "Contract TOML file (default: the seed contract)", ""),
    ("sync_fault", "--sync-fault", "STOCKSYNC_FAULT", "Embedded stack only: comma-separated faults to inject", ""),
    ("sync_report_dir", "--sync-report-dir", "STOCKSYNC_REPORT_DIR", "Where the run's reports go", "reports"),
)


def add_arguments(parser: Any) -> None:
    for setting in SETTINGS:
        if setting.boolean:
            parser.add_argument(
                setting.locust_flag,
                dest=setting.locust_dest,
                env_var=setting.env,
                action="store_true",
                default=None,
                help=setting.help,
                include_in_web_ui=True,
            )
        else:
            parser.add_argument(
                setting.locust_flag,
                dest=setting.locust_dest,
                env_var=setting.env,
                default="",
                help=setting.help,
                include_in_web_ui=True,
            )
    for dest, flag, env, help_text, default in LOAD_OPTIONS:
        kind = int if isinstance(default, int) else str
        parser.add_argument(
            flag, dest=dest, env_var=env, default=default, type=kind, help=help_text, include_in_web_ui=True
        )
    parser.add_argument(
        "--sync-keep",
        dest="sync_keep",
        env_var="STOCKSYNC_KEEP",
        action="store_true",
        default=False,
        include_in_web_ui=True,
        help="Target mode: keep the stocktakes the run created (default: delete them at the end)",
    )


def target_flags(options: Any) -> dict[str, Any]:
    """Locust's parsed options -> the settings `harness.run.settings.merge` validates."""
    return {s.name: getattr(options, s.locust_dest, None) for s in SETTINGS}
