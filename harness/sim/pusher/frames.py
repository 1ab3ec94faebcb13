"""Server-to-client WebSocket text frames, framed once for a whole fan-out (RFC 6455, section 5.2).

A publish sends the same frame to every subscriber. aiohttp frames it again for each one, in a writer
task woken per connection: on a 2-core machine that was 27 us of the server's CPU a delivery, and a
publish to thousands of listeners a burst the server itself made slow. A server's frames are not
masked, so the bytes are the same for every uncompressed connection: framed here once and written
straight to each idle connection's socket (`outbox.py`, `ws.py`).
"""

from __future__ import annotations

import functools
import struct

FIN_TEXT = 0x81  # FIN bit and the text opcode: the whole message in one frame


@functools.lru_cache(maxsize=16)
def text_frame(text: str) -> bytes:
    """The frame's bytes; cached, because a fan-out asks for the same text once a subscriber."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", FIN_TEXT, size)
    elif size < 65536:
        header = struct.pack("!BBH", FIN_TEXT, 126, size)
    else:
        header = struct.pack("!BBQ", FIN_TEXT, 127, size)
    return header + payload
