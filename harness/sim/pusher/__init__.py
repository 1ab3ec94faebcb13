"""Embedded Pusher Channels-compatible server."""

from .faults import DeliveryFaults
from .server import PusherConfig, PusherServer

__all__ = ["DeliveryFaults", "PusherConfig", "PusherServer"]
