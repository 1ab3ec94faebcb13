"""What tests import, ours and users': the pytest plugin (fixtures), synthetic histories, waiting.

`from harness.testing import assert_no_findings, wait_until` is the public face; the
fixtures arrive through the `pytest11` entry point without an import.
"""

from ..waiting import TimedOut, wait_until
from .assertions import assert_no_findings
from .synthetic import following, history_with, write_history

__all__ = ["TimedOut", "assert_no_findings", "following", "history_with", "wait_until", "write_history"]
