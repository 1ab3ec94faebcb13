"""Embedded Pusher Channels-compatible server."""

from ...spec.delivery_faults import DeliveryFaults
from .server import PusherConfig, PusherServer

__all__ = ["DeliveryFaults", "PusherConfig", "PusherServer"]
