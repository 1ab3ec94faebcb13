"""Locust integration: the harness core driven by Locust users, checked per process and merged on the master."""
