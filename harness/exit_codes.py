"""The process exit codes of `stocksync` and of Locust runs with sync checks."""

EXIT_PASS, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
