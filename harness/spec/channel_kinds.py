"""Pusher's channel kinds by name prefix: the one place both the bots and the simulated server ask."""

from __future__ import annotations

PRIVATE, PRESENCE = "private-", "presence-"


def needs_auth(channel: str) -> bool:
    """Private and presence channels are subscribed with a signature from the app's auth."""
    return channel.startswith((PRIVATE, PRESENCE))


def is_presence(channel: str) -> bool:
    return channel.startswith(PRESENCE)
