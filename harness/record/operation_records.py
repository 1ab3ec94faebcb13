"""An operation's two records (`History` writes one at its invoke, one at its answer), decoded by
type: a final check reads a record of each for every write, and msgspec checks the types `History`
writes while it parses, so no field is checked again in Python.

Each is read into an Operation at once and dropped, holding nothing that could make a cycle, so the
collector need not track them (`gc=False`).

msgspec refuses what the reader's own checks refuse (a bool for a number, a field missing or
unknown); a line it refuses, or one not in the form `History` writes it, is read the general way,
whose error names the field.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Invoked(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    rec: str
    type: str
    id: int
    actor: str
    kind: str
    hotel: str
    actor_hotel: str
    request: dict[str, Any]
    socket_id: str | None
    invoke: int | float


class Answered(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    rec: str
    type: str
    id: int
    complete: int | float | None
    status: int | None
    body: Any
    error: str | None


_OPERATION = '{"rec":"op","type":"'
_INVOKED = _OPERATION + 'invoke",'
_decode_invoked = msgspec.json.Decoder(Invoked).decode
_decode_answered = msgspec.json.Decoder(Answered).decode


def operation_record(line: str) -> Invoked | Answered | None:
    """The line's operation record, typed; None if it is not one as `History` writes it."""
    if not line.startswith(_OPERATION):
        return None
    try:
        return _decode_invoked(line) if line.startswith(_INVOKED) else _decode_answered(line)
    except msgspec.DecodeError:
        return None
