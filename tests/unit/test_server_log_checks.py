"""What the Pusher server's log says (refused triggers), and what a run without it says instead."""

from __future__ import annotations

import copy

from harness.checks import check
from harness.record.history import Observation
from harness.spec.contract import Contract
from tests.histories import DETAIL, healthy, missing


def _findings(h, name: str) -> list:
    return [f for f in check(h, Contract()).findings if f.name == name]


def test_each_refusal_is_told_in_the_servers_words_with_its_size_or_count() -> None:
    h = copy.deepcopy(healthy())
    h.meta["server_log"] = {"read": True}
    refusals = [
        {"status": 413, "kind": "oversize", "message": "over 10240 bytes", "bytes": 14_643, "channel_count": 1},
        {"status": 400, "kind": "too-many-channels", "message": "Too many channels", "channel_count": 101},
        {"status": 401, "kind": "bad-signature", "message": "Invalid signature", "channel_count": 1},
    ]
    h.observations += [Observation("trigger-rejected", 2.0, channel=DETAIL, event="e", data=r) for r in refusals]
    (sized,) = _findings(h, "oversize-payload")
    assert sized.message.startswith(f"the backend triggered e on {DETAIL} at 14.3 KB; Pusher refuses events over 10 KB")
    refused = sorted(f.message for f in _findings(h, "trigger-refused"))
    assert "on 101 channels and the Pusher server answered 400: it named more channels" in refused[0]
    assert "answered 401: its signature was refused" in refused[1]


def test_a_log_read_with_nothing_refused_is_judged_and_silent() -> None:
    h = copy.deepcopy(healthy())
    h.meta["server_log"] = {"read": True}
    result = check(h, Contract())
    assert result.judged["trigger-refused"] == 1 and result.findings == []


def test_without_the_log_a_missing_event_of_a_small_response_says_how_to_see_its_size() -> None:
    h = copy.deepcopy(healthy())
    missing(h)
    h.meta["server_log"] = {"read": False, "why": "real Pusher keeps no log of refused triggers"}
    (hint,) = _findings(h, "oversize-payload")
    assert hint.severity == "warning" and hint.operation == 1
    assert "line-counted-updated wraps the line" in hint.message and "--pusher-secret" in hint.message
    h.meta["server_log"] = {"read": True}
    assert _findings(h, "oversize-payload") == [], "with the log read, its silence is the answer"
