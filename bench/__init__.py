"""Benchmarks (not tests): `python -m bench` runs all five, prints a table, writes reports/bench/."""
