"""The process exit codes of `stocksync` and of Locust runs with sync checks."""

EXIT_PASS, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT: stopped before anything could be checked


def exit_code_of(verdict: str) -> int:
    """A verdict's code: a Locust worker's own, before the run's report (`report.exit_code`) exists."""
    return {"PASS": EXIT_PASS, "FAIL": EXIT_FINDINGS}.get(verdict, EXIT_INCONCLUSIVE)
