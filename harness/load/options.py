"""The Locust command-line options of the sync checks (Locust's own parser, so the web UI shows them).

Their values become the same settings `stocksync run` takes (`harness.targeting`), so target
resolution and its error messages are shared.
"""

from __future__ import annotations

from typing import Any

# (dest, flag, environment variable, help, default)
OPTIONS: tuple[tuple[str, str, str, str, Any], ...] = (
    ("sync_target", "--sync-target", "STOCKSYNC_TARGET", "API base URL up to the hotel (default: embedded stack)", ""),
    ("sync_token", "--sync-token", "STOCKSYNC_TOKEN", "API token of a staff user of the hotel", ""),
    ("sync_hotel", "--sync-hotel", "STOCKSYNC_HOTEL", "Hotel in URLs and channel names", ""),
    ("pusher_key", "--pusher-key", "PUSHER_KEY", "Pusher app key", ""),
    ("pusher_cluster", "--pusher-cluster", "PUSHER_CLUSTER", "Pusher cluster (real Pusher)", ""),
    ("pusher_host", "--pusher-host", "PUSHER_HOST", "Self-hosted Pusher-compatible host", ""),
    ("pusher_port", "--pusher-port", "PUSHER_PORT", "Self-hosted Pusher-compatible port", ""),
    ("auth_endpoint", "--sync-auth-endpoint", "STOCKSYNC_AUTH_ENDPOINT", "Channel auth endpoint (private-)", ""),
    ("sync_listeners", "--sync-listeners", "STOCKSYNC_LISTENERS", "Listeners per Locust process", 4),
    ("sync_listener_kind", "--sync-listener-kind", "STOCKSYNC_LISTENER_KIND", "pysher or asyncio", "pysher"),
    ("sync_scenario", "--sync-scenario", "STOCKSYNC_SCENARIO", "Scenario name or file (think times, lines, limits)",
     "busy-stocktake"),
    ("sync_contract", "--sync-contract", "STOCKSYNC_CONTRACT", "Contract TOML file (default: the seed contract)", ""),
    ("sync_fault", "--sync-fault", "STOCKSYNC_FAULT", "Embedded stack only: comma-separated faults to inject", ""),
    ("sync_report_dir", "--sync-report-dir", "STOCKSYNC_REPORT_DIR", "Where the run's reports go", "reports"),
)


def add_arguments(parser: Any) -> None:
    for dest, flag, env, help_text, default in OPTIONS:
        kind = int if isinstance(default, int) else str
        parser.add_argument(flag, dest=dest, env_var=env, default=default, type=kind, help=help_text,
                            include_in_web_ui=True)
    parser.add_argument("--sync-keep", dest="sync_keep", env_var="STOCKSYNC_KEEP", action="store_true",
                        default=False, include_in_web_ui=True,
                        help="Target mode: keep the stocktakes the run created (default: delete them at the end)")


def target_flags(options: Any) -> dict[str, Any]:
    """Locust's parsed options -> the settings `harness.targeting.resolve_target` reads."""
    def get(name: str) -> Any:
        return getattr(options, name, "") or None

    return {"target": get("sync_target"), "token": get("sync_token"), "hotel": get("sync_hotel"),
            "pusher_key": get("pusher_key"), "pusher_cluster": get("pusher_cluster"),
            "pusher_host": get("pusher_host"), "pusher_port": get("pusher_port"),
            "auth_endpoint": get("auth_endpoint")}
