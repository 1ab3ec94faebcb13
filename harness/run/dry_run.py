"""What a run will do to its target, in words: `--dry-run` prints this and touches nothing."""

from __future__ import annotations

from ..spec.contract import LIST
from ..spec.scenario import Scenario
from .probes import PROBES
from .reread import ITEM_MOVEMENTS, ITEMS
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
        steps.append(
            f"as hotel {target.other_hotel!r}: try to read and change this hotel's lines that no counter writes, "
            "writing back the value read (must be refused)"
        )
    if s.flow.kind in ("staging", "probes"):
        steps.append(
            f"send {len(PROBES)} bad requests to this stocktake ("
            + ", ".join(p.name for p in PROBES)
            + "): each must be refused with a 4xx (a float quantity may be taken), never a 5xx, and never stored "
            "(one answered 2xx is bad-input-accepted, with what the API then holds)"
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
            f"read every item's stock level (GET {target.base_url}/{hotel}{ITEMS}) before the first write and "
            "after the cleanup"
        )
        steps.append(
            f"leaves behind what the API cannot delete, each listed at the end and in report.json: about {movements} "
            "movement row(s), with ids; any movement a failed write stored anyway (re-read through the line's "
            f"movement listing, or {ITEM_MOVEMENTS}?item=<id>), with ids; the stock adjustments of the approval; "
            "and every item stock level that changed, by item and amount in the API's stored units"
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
