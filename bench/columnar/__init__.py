"""The columnar engine measurement of issue 34 (`run.py`). Kept light: a process spawned to measure
one engine imports this package, and must load only that engine."""
