"""What to do first, when the run itself says: a fix of the harness's setup, not of the backend.

Some findings are the user's to fix before any other is worth reading: event names that drifted
only in spelling (the run wrote a contract with the names the backend sends), writes refused for
their values (the backend has a rule the contract can state in `[values]`), writes refused for
permission (the token's user may not write). Each hint is one sentence naming the evidence and
the step; the console prints them before any finding.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..checks.findings import Finding
from ..spec.value_rules import FIELDS
from .calls import RunFacts

PERMISSION = (401, 403)
MOST = 0.5


def _refusal(f: Finding, facts: RunFacts) -> tuple[str, int, float, str] | None:
    """(kind, status, share, in words) of a writes-refused finding."""
    actual = f.actual if isinstance(f.actual, dict) else {}
    call = facts.calls.get(f.operation) if f.operation is not None else None
    if call is None or not isinstance(actual.get("status"), int):
        return None
    writes = "writes" if len(actual.get("kinds") or ()) > 1 else f"{call.kind} writes"
    told = (
        f"{actual.get('count')} of {actual.get('of') or facts.counted[call.kind]} {writes} answered {actual['status']}"
    )
    return call.kind, actual["status"], float(actual.get("share") or 0), f"{told}: {call.words}"


def hints(findings: Sequence[Finding], facts: RunFacts, suggested_contract: bool) -> list[str]:
    found = []
    if suggested_contract:
        found.append(
            "the run wrote contract.suggested.toml: the backend sends the contract's events under other names; "
            "rerun with --contract <the run's folder>/contract.suggested.toml to hold it to the names it uses"
        )
    for f in findings:
        refusal = _refusal(f, facts) if f.name == "writes-refused" else None
        if refusal is None:
            continue
        kind, status, share, said = refusal
        if status in PERMISSION and share >= MOST:
            found.append(
                f"the token's user may not write ({said}): run with a token of a staff user of this hotel who "
                "may change stocktakes"
            )
        elif status == 400 and kind in FIELDS:
            found.append(
                f"the backend refuses values the counters sent ({said}): if that rule is intended, state it "
                f"in the contract, e.g. [values.{kind}] {FIELDS[kind][-1]} = {{ places = 0, min = 1, max = 5 }}"
            )
    return found
