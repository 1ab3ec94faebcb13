"""What a run will do to its target, in words: `--dry-run` prints this and touches nothing."""

from __future__ import annotations

from ..contract import LIST
from ..scenario import Scenario
from .probes import PROBES
from .target import Target


def describe_plan(spec: Scenario, target: Target, keep: bool, remote: bool) -> list[str]:
    contract, hotel = target.contract, target.hotel
    s = spec
    pusher = target.pusher.url() if remote else "the embedded Pusher server"
    steps = [f"scenario {s.name} ({s.flow.kind}) against {target.base_url} as hotel {hotel!r}, Pusher {pusher}"]
    if remote:
        steps.append(
            f"preflight: GET {target.base_url}/{hotel}/stocktakes/ and subscribe one listener to "
            f"{contract.channel(LIST, hotel)}"
        )
    steps += [
        "create one stocktake in a far-off period of its own (years 2200-2999) and populate it",
        f"{s.listeners.count} {s.listeners.kind} viewer(s) and {s.counters.count} counter browser(s) on "
        f"{contract.detail_channel.format(hotel=hotel, stocktake_id='<id>')}; {s.listeners.list_page} on "
        f"{contract.channel(LIST, hotel)}",
        f"{s.counters.count} counter(s) write for {_bounds(s)} "
        f"(PATCH lines {s.counters.mix.get('patch', 0):g} : movements {s.counters.mix.get('movement', 0):g})",
    ]
    if remote:
        steps.append("probe the stocktake channels with the public app key alone (exposure warning)")
    if target.other_token and s.flow.kind in ("staging", "two-hotels"):
        steps.append(f"as hotel {target.other_hotel!r}: try to read and change this hotel's lines (must be refused)")
    if s.flow.kind in ("staging", "probes"):
        steps.append(
            f"send {len(PROBES)} bad requests to this stocktake ("
            + ", ".join(p.name for p in PROBES)
            + "): each must be refused with a 4xx, never a 5xx, and never stored"
        )
    if s.flow.kind == "staging":
        steps.append(
            "approve the stocktake, then delete it while the list viewers still listen"
            + (" (not with --keep)" if keep else "")
        )
    if s.flow.kind == "approval-race":
        steps.append("approve the stocktake")
    if s.flow.kind == "list-page":
        steps.append(f"{s.flow.cycles} cycle(s) of create / populate / approve and create / delete")
    if remote:
        movements = round(s.run.operations * s.counters.mix.get("movement", 0) / max(sum(s.counters.mix.values()), 1))
        steps.append(
            f"leaves behind what the API cannot delete: about {movements} movement(s) (purchases and waste "
            "that cancel out within 10 units) and the stock adjustments of the approval"
        )
        steps.append(
            "keep every stocktake the run created (--keep)"
            if keep
            else "delete every stocktake the run created, also when interrupted or failing"
        )
    return [f"{n}. {step}" for n, step in enumerate(steps, 1)]


def _bounds(s: Scenario) -> str:
    if s.run.until == "time":
        return f"{s.run.duration_s:g} s (at most {s.run.operations} operations)"
    return f"at most {s.run.operations} operations or {s.run.duration_s:g} s"
