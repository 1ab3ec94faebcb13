"""The run's re-reads through the API, at its edges: what failed writes stored anyway, and the item
stock levels before and after (what the run changed outside its own stocktake).

A movement that answered 5xx may be stored all the same; in a far-off period it never shows in its
line (the line totals its period's movements only), so the line re-read cannot see it: the line's
movement listing can, or, once the stocktake is deleted, the hotel's movement listing for the item.
Each re-read is recorded as a `reread` observation, which `checks/writes.py` holds failed writes
against; nothing here judges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..api import TRANSPORT_ERRORS, ApiRequest, StocktakeApi
from ..checks.writes import number_of
from ..record.history import History

LINE_MOVEMENTS = "/stocktake-lines/{line}/movements/"
ITEM_MOVEMENTS = "/movements/"
ITEMS = "/items/"
STOCK_FIELDS = ("current_qty", "current_stock", "stock_qty", "quantity")


@dataclass(frozen=True)
class FailedMovement:
    operation: int
    line_id: int
    item: Any  # the line's item id, as its JSON gives it (None when the API does not say)


def _rows(body: Any) -> list[dict[str, Any]] | None:
    """A listing's rows: a JSON list, or DRF's paginated `results`/`movements` wrapping."""
    if isinstance(body, dict):
        body = body.get("results", body.get("movements"))
    return [r for r in body if isinstance(r, dict)] if isinstance(body, list) else None


def _get(api: StocktakeApi, path: str, params: dict[str, str] | None = None) -> tuple[int | None, Any]:
    try:
        response = api.send(ApiRequest("GET", path, params=params or {}))
    except TRANSPORT_ERRORS as exc:
        return None, str(exc)
    return response.status, response.body


def reread_movements(
    api: StocktakeApi, history: History, failed: Iterable[FailedMovement]
) -> dict[int, list[dict[str, Any]]]:
    """One `reread` observation per line some failed movement was for: its movement listing, or the
    item's once the line is gone. Recorded also when unreadable, so the report can say so. Returns
    the rows by line."""
    listed: dict[int, list[dict[str, Any]]] = {}
    for write in failed:
        if write.line_id in listed:
            continue
        via = LINE_MOVEMENTS.format(line=write.line_id)
        status, body = _get(api, via)
        if _rows(body) is None and write.item is not None:
            via = f"{ITEM_MOVEMENTS}?item={write.item}"
            status, body = _get(api, ITEM_MOVEMENTS, {"item": str(write.item)})
        rows = _rows(body)
        listed[write.line_id] = rows or []
        history.observe(
            "reread",
            data={"what": "movements", "line_id": write.line_id, "item": write.item, "via": via, "status": status,
                  "rows": rows if rows is not None else [], "readable": rows is not None},
        )  # fmt: skip
    return listed


@dataclass
class StockLevels:
    """Each item's stock level by item id, as the API's item listing gives it; `why` when it cannot."""

    levels: dict[str, dict[str, Any]]
    why: str | None = None

    @classmethod
    def read(cls, api: StocktakeApi) -> StockLevels:
        status, body = _get(api, ITEMS)
        rows = _rows(body)
        if rows is None:
            return cls({}, f"GET {ITEMS} answered {status if status is not None else body}")
        levels = {}
        for row in rows:
            field = next((f for f in STOCK_FIELDS if f in row), None)
            if field is not None and "id" in row:
                levels[str(row["id"])] = {"sku": row.get("sku"), "name": row.get("name"), "qty": row[field]}
        return cls(levels, None if levels else f"GET {ITEMS} lists no item with a stock level")

    def changes(self, after: StockLevels) -> list[dict[str, Any]]:
        """Every item whose level differs, by item and amount (in the API's own stored units)."""
        out = []
        for item, was in self.levels.items():
            now = after.levels.get(item)
            if now is None:
                continue
            before_qty, after_qty = number_of(was["qty"]), number_of(now["qty"])
            if before_qty is not None and after_qty is not None and before_qty != after_qty:
                out.append({"item": item, "sku": was["sku"], "name": was["name"], "before": str(was["qty"]),
                            "after": str(now["qty"]), "change": str(after_qty - before_qty)})  # fmt: skip
        return out
