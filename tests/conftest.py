"""The project's own tests use the fixtures of its pytest plugin (harness.testing.pytest_plugin),
and pytest's own `pytester` to run a user's test file as written."""

pytest_plugins = ["pytester"]
