"""What a server said, in words a reader acts on, and with what differs per request taken out, so
that the checks and the report tell one cause alike: ten refusals saying the same of ten lines are
one cause. Pure: an answer's body in, text out."""

from __future__ import annotations

import re

TITLE = re.compile(r"<title>(.*?)</title>", re.I | re.S)
TAG = re.compile(r"<[^>]+>")
VARYING = re.compile(r"0x[0-9a-f]+|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|\d+(?:\.\d+)?", re.I)
WORDS_SHOWN = 160


def readable(text: str) -> str:
    """The server's words as a reader wants them: an HTML error page is its title, not its markup."""
    title = TITLE.search(text)
    if title or text.lstrip().startswith("<"):
        text = title.group(1) if title else TAG.sub(" ", text)
    return " ".join(text.split())[:WORDS_SHOWN]


def said(body: object) -> str:
    """A DRF answer in words: its `detail`, or its field errors as "field: message"."""
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    if isinstance(body, dict) and body and all(isinstance(v, list) for v in body.values()):
        return "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in body.items())
    return str(body)


def normalised(text: str) -> str:
    """The words with what differs per request (numbers, ids, addresses) taken out: ten identical
    TypeErrors about ten different lines are one cause."""
    return VARYING.sub("#", readable(text)).lower()
