"""Every error a user can cause or fix, under one base the CLI turns into one line and exit 2.

```
StocksyncError                  a user-facing problem: one line on stderr, exit 2
├── UsageError                  flags or options that cannot work together
├── ScenarioError               a scenario file or name (names the file, field and line)
├── ContractError               a contract file (names the key)
├── SettingsError               target settings: flags, environment, --config
├── UnknownFault                a --fault name or rate
├── HistoryFormatError          a history file that is not what a run writes
├── SetupFailed                 the target refused the run's own set-up
├── ListenersNotReady           listeners could not subscribe in time
├── PreflightFailed             the target is not fit for a run
├── AuthRefused                 a private channel's authorisation was refused
├── ServeFailed                 `stocksync serve` in a child process did not come up
└── HarnessFailed               the harness's own failure after play: exit 3, not 2
```

Internal faults (a server's protocol errors, a simulator's HTTP errors, a crashed
background loop) are not here: they are bugs or evidence, never a user's mistake.
"""

from __future__ import annotations

from .exit_codes import EXIT_INCONCLUSIVE, EXIT_USAGE


def one_line(exc: BaseException) -> str:
    """An unexpected exception as the one line a user is shown: its type and its first line."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class StocksyncError(Exception):
    """Raised where the problem is found, with a message that says what to fix."""

    exit_code = EXIT_USAGE


class UsageError(StocksyncError):
    pass


class ScenarioError(StocksyncError):
    pass


class ContractError(StocksyncError):
    pass


class SettingsError(StocksyncError):
    pass


class UnknownFault(StocksyncError):
    pass


class HistoryFormatError(StocksyncError):
    """Carries the line number of the first record that is not a history record."""


class SetupFailed(StocksyncError):
    """Nothing to check: no stocktake, no lines."""


class ListenersNotReady(StocksyncError):
    pass


class PreflightFailed(StocksyncError):
    pass


class AuthRefused(StocksyncError):
    pass


class ServeFailed(StocksyncError):
    pass


class HarnessFailed(StocksyncError):
    """The run was played, but the harness failed after it (a report that would not build or write):
    the run proved nothing it can show, so INCONCLUSIVE (exit 3), never FAIL, which means findings."""

    exit_code = EXIT_INCONCLUSIVE
