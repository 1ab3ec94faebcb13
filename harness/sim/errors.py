"""Server-side error capture shared by the embedded servers.

Modelled on pytest-httpserver: a handler that crashes answers 500 *and* stores the
exception, so the test or run that started the server can re-raise it instead of
seeing a mysterious status code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_middleware(errors: list[BaseException]) -> Middleware:
    @web.middleware
    async def capture(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception as exc:
            errors.append(exc)
            return web.json_response({"error": f"internal error: {type(exc).__name__}: {exc}"}, status=500)

    return capture
