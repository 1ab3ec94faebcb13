"""The raw ceiling: a bare aiohttp WebSocket broadcast server (no protocol, no channels, no queues).

`python -m bench.bare_server` binds 127.0.0.1 on a free port and prints it. POST /publish with
a JSON list of frames sends each frame to every connected client, in order.
"""

from __future__ import annotations

import sys

from aiohttp import WSMsgType, web

from harness.runtime import new_event_loop

CLIENTS = web.AppKey("clients", set)


async def ws_handler(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    request.app[CLIENTS].add(ws)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.ERROR:
                break
    finally:
        request.app[CLIENTS].discard(ws)
    return ws


async def publish(request: web.Request) -> web.Response:
    frames: list[str] = await request.json()
    for frame in frames:
        for ws in list(request.app[CLIENTS]):
            if not ws.closed:
                await ws.send_str(frame)
    return web.json_response({"clients": len(request.app[CLIENTS])})


def make_app() -> web.Application:
    app = web.Application()
    app[CLIENTS] = set()
    app.router.add_get("/ws", ws_handler)
    app.router.add_post("/publish", publish)
    return app


if __name__ == "__main__":
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    sys.stdout.flush()
    web.run_app(make_app(), sock=sock, print=None, handle_signals=True, loop=new_event_loop())
