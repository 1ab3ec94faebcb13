"""`stocksync browsers`: what browser listeners need, and installing the part pip cannot.

Chromium comes from the system and Playwright from pip; pusher-js is JavaScript, so a wheel
cannot carry it and `install` fetches the pinned version with npm into a user cache.
"""

from __future__ import annotations

import click

from ..bots.browser_runtime import BrowserUnavailable, find_pusher_js, install_pusher_js, requirements


@click.group("browsers")
def browsers_command() -> None:
    """Browser listeners (pusher-js in headless Chromium): install and check what they need."""


@browsers_command.command("install")
def install_command() -> None:
    """Put the pinned pusher-js in the user cache with npm (`npm ci` of the shipped lock file)."""
    click.echo(f"pusher-js installed: {install_pusher_js()}")
    _report_rest()


@browsers_command.command("check")
def check_command() -> None:
    """Say where Chromium and pusher-js are; exit 2 naming what is missing."""
    needs = requirements()
    click.echo(f"chromium: {needs.chromium}\npusher-js: {needs.pusher_js}")


def _report_rest() -> None:
    """After an install, what else a browser run still lacks (Chromium, Playwright), if anything."""
    try:
        requirements()
    except BrowserUnavailable as exc:
        click.echo(f"still missing: {exc}", err=True)
    else:
        click.echo(f"browser listeners are ready (pusher-js at {find_pusher_js()})")
