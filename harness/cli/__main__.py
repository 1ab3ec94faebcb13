"""`python -m harness.cli`: how `stocksync serve` is started as a child process."""

from . import main

main()
