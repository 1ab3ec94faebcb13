"""How a service call's result or error becomes the HTTP response a Django REST backend would give.

A handler runs its work on a thread pool and gets back an `Outcome` or one of three errors: an
`HttpError` (a JSON error body), an `Invalid` (field errors, 400) or an `HtmlError` (the HTML page
Django serves when a view raises with DEBUG off). One function turns each into its response, so
every route answers errors the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from .service import HttpError, Outcome
from .validation import Invalid

DJANGO_500 = (
    '<!doctype html><html lang="en"><head><title>Server Error (500)</title></head><body>'
    "<h1>Server Error (500)</h1>" + "<p>" + "&nbsp;" * 2000 + "</p></body></html>"
)


def debug_page(path: str) -> str:
    """The page Django serves when a view raises with DEBUG on (a staging backend's, often): the title
    names the exception's type and the path, the message is further down, HTML-escaped."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><title>TypeError at {path}</title></head><body><div id="summary">'
        f'<h1>TypeError at {path}</h1><pre class="exception_value">unsupported operand type(s) for +: '
        "&#x27;decimal.Decimal&#x27; and &#x27;float&#x27;</pre></div>" + "<p>" + "&nbsp;" * 2000 + "</p></body></html>"
    )


class HtmlError(Exception):
    """What a real Django backend answers when a view raises with DEBUG off: an HTML page."""

    def __init__(self, status: int, page: str) -> None:
        super().__init__(f"{status} HTML page")
        self.status, self.page = status, page


async def respond(pool: ThreadPoolExecutor, run: Callable[[], Outcome]) -> web.Response:
    """Run `run` on `pool` and answer with its outcome, or with the error it raised."""
    try:
        outcome = await asyncio.get_running_loop().run_in_executor(pool, run)
    except HtmlError as exc:
        return web.Response(text=exc.page, status=exc.status, content_type="text/html")
    except HttpError as exc:
        return web.json_response(exc.body, status=exc.status)
    except Invalid as exc:
        return web.json_response(exc.errors, status=400)
    return as_response(outcome)


def as_response(outcome: Outcome) -> web.Response:
    if outcome.body is None:
        return web.Response(status=outcome.status)
    return web.json_response(outcome.body, status=outcome.status)
