"""Whether gevent (Locust) has monkey-patched a standard module in this process.

Code that would block the gevent hub or that relies on real OS threads asks this before
choosing how to run; it never imports gevent itself, so the answer costs nothing elsewhere.
"""

from __future__ import annotations

import sys


def gevent_patched(module: str) -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched(module))
