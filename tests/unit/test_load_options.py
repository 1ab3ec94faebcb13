"""Locust's target options resolve as `stocksync run`'s do: same names, precedence and messages."""

from __future__ import annotations

from argparse import Namespace

import pytest

from harness.errors import SettingsError
from harness.load.options import redacted, secrets_of, settings_of, sources
from harness.load.web import masked
from harness.run.settings import ENV, FLAG, SETTINGS

HOSTED = {"sync_target": "http://t/api", "sync_token": "tok-1", "sync_hotel": "h", "pusher_key": "k"}


def _options(**given: object) -> Namespace:
    """Parsed options as Locust gives them: every setting present, "" or None where not given."""
    blank = {s.locust_dest: (None if s.boolean else "") for s in SETTINGS}
    return Namespace(**{**blank, "sync_config": "", **HOSTED, **given})


def test_a_pusher_host_flag_beats_a_pusher_cluster_in_the_environment() -> None:
    options = _options(pusher_cluster="eu", pusher_host="127.0.0.1", pusher_port="6001")
    found = sources(options, ["--pusher-host", "127.0.0.1"], {"PUSHER_CLUSTER": "eu"})
    assert found["pusher_cluster"] == ENV and found["pusher_host"] == FLAG
    options.sync_sources = found
    settings = settings_of(options)
    assert settings.pusher_host == "127.0.0.1" and settings.pusher_cluster is None


def test_both_as_flags_are_refused_in_stocksync_runs_words() -> None:
    options = _options(pusher_cluster="eu", pusher_host="127.0.0.1")
    options.sync_sources = sources(options, ["--pusher-cluster=eu", "--pusher-host", "x"], {"PUSHER_CLUSTER": "eu"})
    with pytest.raises(SettingsError, match="--pusher-cluster and --pusher-host are both given as flags"):
        settings_of(options)


def test_a_value_typed_into_the_form_over_the_environments_is_a_flag() -> None:
    """The web UI's form holds the environment's values; one changed there was chosen there."""
    options = _options(pusher_cluster="us2")
    assert sources(options, [], {"PUSHER_CLUSTER": "eu"})["pusher_cluster"] == FLAG
    assert sources(_options(pusher_cluster="eu"), [], {"PUSHER_CLUSTER": "eu"})["pusher_cluster"] == ENV


def test_no_pusher_tls_is_a_flag_of_its_own() -> None:
    options = _options(pusher_tls=False)
    assert sources(options, ["--no-pusher-tls"], {"PUSHER_TLS": "false"})["pusher_tls"] == FLAG
    assert settings_of(options).pusher_tls is False


def test_secrets_are_redacted_as_tokens_not_inside_words() -> None:
    options = _options(sync_token="t", sync_other_token="tok-SECRET")
    assert secrets_of(options) == ["t", "tok-SECRET"]
    text = "port=9 token t refused; other tok-SECRET, at http://h/t/x"
    assert (
        redacted(text, secrets_of(options))
        == "port=9 token [redacted] refused; other [redacted], at http://h/[redacted]/x"
    )


def test_the_start_form_gets_no_secret() -> None:
    options = {
        "sync_token": {"default_value": "tok-1", "is_secret": True},
        "pusher_secret": {"default_value": "s3", "is_secret": False},
        "sync_hotel": {"default_value": "h", "is_secret": False},
    }
    shown = masked(options)
    assert shown["sync_token"]["default_value"] == shown["pusher_secret"]["default_value"] == ""
    assert shown["sync_hotel"]["default_value"] == "h"
