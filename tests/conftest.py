"""The project's own tests use the fixtures of its pytest plugin (harness.pytest_plugin)."""
