"""Stocktake backend simulator: the stock_tracker API over SQLite, broadcasting with the pusher SDK."""

from .app import BackendConfig, BackendSimulator, PusherTarget

__all__ = ["BackendConfig", "BackendSimulator", "PusherTarget"]
