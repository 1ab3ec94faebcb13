"""What a run records and how it is read back: the history, its records and files."""
