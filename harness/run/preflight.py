"""Before any write to a real deployment: can we reach it, are we let in, can a listener subscribe?

And the probe a release needs: a listener holding only the public app key (no secret, no
auth endpoint) tries the stocktake channels. If it gets in, stock data is readable by
anyone who opens the frontend's bundle: recorded as a `public-channel-exposure` warning.
"""

from __future__ import annotations

import dataclasses

import requests

from ..bots.fleet import ListenerFleet
from ..errors import ListenersNotReady, PreflightFailed
from ..record.history import History
from ..spec.contract import LIST
from ..waiting import TimedOut, wait_until
from .target import Target

PROBE_TIMEOUT_S = 10.0


def preflight(target: Target, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Raises PreflightFailed ("preflight failed: ...") saying what to fix."""
    try:
        _preflight(target, timeout)
    except PreflightFailed as exc:
        raise PreflightFailed(f"preflight failed: {exc}") from None


def _preflight(target: Target, timeout: float) -> None:
    api = target.api()
    try:
        response = api.send(api.list_stocktakes())
    except requests.RequestException as exc:
        raise PreflightFailed(f"cannot reach {target.base_url}: {type(exc).__name__}: {exc}") from None
    if response.status in (401, 403):
        raise PreflightFailed(
            f"the API refused the token for hotel {target.hotel!r} ({response.status}); check --token and --auth-scheme"
        )
    if response.status == 404:
        raise PreflightFailed(
            f"{target.base_url}/{target.hotel}/stocktakes/ answered 404; "
            f"check --target (the URL up to the hotel) and --hotel"
        )
    if not response.ok or not isinstance(response.body, list):
        raise PreflightFailed(f"listing stocktakes answered {response.status}, not a JSON list: {response.text[:200]}")
    channel = target.contract.channel(LIST, target.hotel)
    fleet = ListenerFleet(target.pusher, History(), "pysher")
    try:
        fleet.add("preflight", [channel])
        fleet.wait_ready(timeout)
    except ListenersNotReady as exc:
        raise PreflightFailed(
            f"a listener could not subscribe to {channel} at {target.pusher.url()}: {exc}; "
            f"check the Pusher key, host/cluster, contract and --auth-endpoint"
        ) from None
    finally:
        fleet.stop()


def probe_exposure(target: Target, channels: list[str], history: History, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Subscribe with the public key alone; every channel that lets it in is recorded as a warning."""
    anonymous = dataclasses.replace(target.pusher, secret=None, auth_endpoint=None, auth_headers={})
    scratch = History()
    fleet = ListenerFleet(anonymous, scratch, "pysher")
    try:
        listener = fleet.add("public-key-probe", channels)
        try:
            wait_until(lambda: _settled(scratch, listener.recorder.subscribed, channels), timeout, 0.05)
        except TimedOut:
            pass  # channels neither opened nor refused in time: only those that opened are exposed
        opened = sorted(listener.recorder.subscribed)
    finally:
        fleet.stop()
    history.set_meta(exposure_probed=channels)
    for channel in opened:
        history.observe(
            "warning",
            listener="public-key-probe",
            channel=channel,
            data={
                "name": "public-channel-exposure",
                "message": f"{channel} accepted a subscription with only the public app key: "
                f"anyone can read this hotel's stock changes; use private- channels",
            },
        )


def _settled(scratch: History, subscribed: set[str], channels: list[str]) -> bool:
    refused = {o.channel for o in scratch.data.of_kind("subscription-error")}
    return all(c in subscribed or c in refused for c in channels)
