"""The embedded server's pre-framed text frames, byte for byte against websocket-client's framing
(pysher's library): every length form RFC 6455 has, and text that is not ASCII."""

from __future__ import annotations

import pytest
from websocket import ABNF

from harness.sim.pusher.frames import text_frame


@pytest.mark.parametrize("text", ["", "x" * 125, "x" * 126, "x" * 65535, "x" * 65536, "héllo €" * 40])
def test_a_frame_is_what_a_websocket_library_frames_unmasked(text: str) -> None:
    unmasked = ABNF(fin=1, opcode=ABNF.OPCODE_TEXT, mask_value=0, data=text.encode())
    assert text_frame(text) == unmasked.format()
