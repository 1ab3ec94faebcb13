"""The one settings table: every source validated the same way, flags over the config file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.checks.latency import percentile
from harness.cli import main
from harness.errors import SettingsError
from harness.load.options import target_flags
from harness.run.settings import SETTINGS, TargetSettings, merge
from harness.run.target import Target
from harness.spec.contract import Contract


def test_a_flag_beats_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[target]\nhotel = "from-file"\npusher_port = 7000\n')
    merged = merge({"hotel": "from-flag", "pusher_port": None}, config)
    assert merged.hotel == "from-flag" and merged.pusher_port == 7000


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ("target = 5", "[target] target"),
        ('pusher_port = "x"', "[target] pusher_port"),
        ("pusher_port = 70000", "[target] pusher_port"),
        ('auth_scheme = "Basic"', "[target] auth_scheme"),
        ('nonsense = "y"', "unknown [target] key"),
        ("pusher_port = 9223372036854775808", "[target] pusher_port"),
        (f'token = "{"t" * 3000}"', "[target] token"),
        ("[target.deeper]\nx = " + "[" * 30 + "]" * 30, "nested deeper than"),
    ],
)
def test_config_file_values_are_validated_naming_file_and_key(tmp_path: Path, table: str, named: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"[target]\n{table}\n")
    with pytest.raises(SettingsError) as raised:
        merge({}, config)
    assert str(config) in str(raised.value) and named in str(raised.value)
    assert len(str(raised.value)) < 500, "a value (a token, say) is shown cut short, never whole"


def test_a_bad_flag_value_names_the_flag() -> None:
    with pytest.raises(SettingsError, match="--pusher-port"):
        merge({"pusher_port": "not-a-port"})


def test_locust_options_come_from_the_same_table() -> None:
    class Options:
        sync_target, sync_hotel, pusher_port, sync_other_token = "http://x", "h", "6001", "secret"

    flags = target_flags(Options())
    assert set(flags) == {s.name for s in SETTINGS}
    settings = merge(flags)
    assert settings.pusher_port == 6001 and settings.other_token == "secret"
    assert {s.locust_flag for s in SETTINGS} >= {"--sync-target", "--pusher-key", "--sync-auth-endpoint"}


def test_settings_without_a_target_mean_the_embedded_default() -> None:
    assert Target.from_settings(TargetSettings(), Contract()) is None
    with pytest.raises(SettingsError, match="without --target"):
        Target.from_settings(TargetSettings(token="t"), Contract())


def test_user_errors_become_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[target]\ntarget = 5\n")
    result = CliRunner().invoke(main, ["run", "--dry-run", "--config", str(config)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "[target] target" in result.output


@pytest.mark.parametrize(("q", "expected"), [(50, 5.0), (90, 9.0), (99, 10.0), (100, 10.0), (1, 1.0)])
def test_percentile_is_nearest_rank(q: float, expected: float) -> None:
    assert percentile([float(v) for v in range(1, 11)], q) == expected


def test_an_explicit_host_beats_a_cluster_from_the_environment() -> None:
    from harness.run.settings import ENV, FLAG

    merged = merge(
        {"pusher_cluster": "eu", "pusher_host": "ws.local"}, None, {"pusher_cluster": ENV, "pusher_host": FLAG}
    )
    assert merged.pusher_host == "ws.local" and merged.pusher_cluster is None
    assert merged.describe("pusher_host") == "--pusher-host (flag)"
    merged = merge(
        {"pusher_cluster": "eu", "pusher_host": "ws.local", "pusher_port": "6001"},
        None,
        {"pusher_cluster": FLAG, "pusher_host": ENV, "pusher_port": ENV},
    )
    assert merged.pusher_cluster == "eu" and merged.pusher_host is None and merged.pusher_port is None


def test_a_cluster_and_a_host_at_the_same_level_are_refused_naming_both(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="--pusher-cluster and --pusher-host are both given as flags"):
        merge({"pusher_cluster": "eu", "pusher_host": "ws.local"})
    config = tmp_path / "c.toml"
    config.write_text('[target]\npusher_cluster = "eu"\npusher_host = "ws.local"\n')
    with pytest.raises(SettingsError, match=f"both given in {config}"):
        merge({}, config)


def test_the_run_names_its_endpoints_and_where_each_came_from(monkeypatch) -> None:
    monkeypatch.setenv("PUSHER_CLUSTER", "eu")
    args = [
        "run",
        "--dry-run",
        "--target",
        "https://staging.example/api",
        "--token",
        "t",
        "--hotel",
        "h",
        "--pusher-key",
        "k",
        "--pusher-host",
        "ws.local",
        "--pusher-port",
        "6001",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "pusher: ws://ws.local:6001/app/k" in result.output and "(--pusher-host (flag))" in result.output
    assert "pusher-eu" not in result.output and "target: https://staging.example/api as hotel 'h'" in result.output
    both = CliRunner().invoke(main, [*args, "--pusher-cluster", "eu"])
    assert both.exit_code == 2 and "--pusher-cluster and --pusher-host" in both.output
