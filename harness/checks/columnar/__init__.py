"""The columnar delivery engine (polars): an accelerator of the listeners' checks, exact by
construction. Listeners provably clean are judged over frames at once; every other one goes to the
Python stream (`stream.py`), whose verdict the engine never second-guesses."""

from .engine import Judge, accelerated, accelerated_frame
from .frame import SCHEMA, receipts_frame

__all__ = ["SCHEMA", "Judge", "accelerated", "accelerated_frame", "receipts_frame"]
