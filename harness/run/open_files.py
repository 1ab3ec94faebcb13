"""Enough open files for the listeners asked for, or a refusal before anything starts.

Each listener holds a socket; on the embedded default the server's end of it is in this
process too. Past the open-file limit connections fail one by one and a run hangs waiting
for subscriptions that never come, so the soft limit is raised to the hard one first, and
a count that still cannot fit is refused naming the limit.
"""

from __future__ import annotations

from ..errors import UsageError

try:
    import resource
except ImportError:  # Windows: no rlimits, and nothing to raise
    resource = None  # type: ignore[assignment]

SPARE = 200  # the servers' listening sockets, HTTP clients, the history file, the interpreter's own


def needed(listeners: int, embedded: bool) -> int:
    return listeners * (2 if embedded else 1) + SPARE


def ensure_open_files(listeners: int, embedded: bool) -> int:
    """Raise the soft limit as far as the hard one allows; returns the limit now in force."""
    if resource is None:
        return -1
    want = needed(listeners, embedded)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < want:
        raised = hard if hard == resource.RLIM_INFINITY else max(soft, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = raised
    if soft != resource.RLIM_INFINITY and soft < want:
        where = "the embedded servers' ends included" if embedded else "one socket each"
        raise UsageError(
            f"{listeners} listeners need about {want} open files ({where}), but this process may open "
            f"{soft} (`ulimit -n`; hard limit {hard}): raise the limit or run fewer listeners per process"
        )
    return int(soft)
