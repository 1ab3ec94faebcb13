"""The aiohttp application key under which handlers find their PusherServer."""

from typing import Any

from aiohttp import web

SERVER: web.AppKey[Any] = web.AppKey("pusher_server")
