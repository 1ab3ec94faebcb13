"""Stocktake backend simulator: the stock_tracker API over SQLite, broadcasting with the pusher SDK."""

from .app import BackendSimulator
from .config import BackendConfig, PusherTarget

__all__ = ["BackendConfig", "BackendSimulator", "PusherTarget"]
