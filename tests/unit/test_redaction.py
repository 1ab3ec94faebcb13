"""Redaction replaces secrets in values, never in keys: a one-letter token once turned `verdict` into
`v[redacted]rdict` and the report would not build. A secret too short to replace inside text is
replaced only where a value is exactly it, and the report says so."""

from __future__ import annotations

import json
from typing import Any

from harness.checks import check
from harness.report.model import REDACTED, SHORT_SECRET_NOTE, build_report, redact
from harness.spec.contract import Contract
from tests.histories import healthy


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _report(secrets: list[str], planted: str) -> dict[str, Any]:
    history = healthy()
    history.meta["target"] = f"https://staging.example/?token={planted}"
    history.meta["given"] = {"note": f"a note with {planted} inside", "exactly": planted}
    return build_report(history, check(history, Contract()), secrets, 1.0).to_json_dict()


def test_a_one_letter_secret_leaves_every_key_and_word_and_says_so() -> None:
    plain, short = _report([], "e"), _report(["e"], "e")
    assert _keys(short) == _keys(plain) | {"redaction"}
    assert short["verdict"] == plain["verdict"] == "PASS"
    assert short["meta"]["redaction"] == SHORT_SECRET_NOTE
    assert short["meta"]["given"] == {"note": "a note with e inside", "exactly": REDACTED}
    assert "redaction" not in plain["meta"]


def test_a_long_secret_is_replaced_inside_values_but_keys_are_never_rewritten() -> None:
    secret = "s3cr3t-token-value"
    cleaned = redact({"verdict": f"x{secret}y", secret: [secret, 5, None]}, [secret])
    assert cleaned == {"verdict": f"x{REDACTED}y", secret: [REDACTED, 5, None]}
    report = _report([secret], secret)
    assert secret not in json.dumps(report) and "redaction" not in report["meta"]
