"""The process exit codes of `stocksync` and of Locust runs with sync checks."""

EXIT_PASS, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT: stopped before anything could be checked
