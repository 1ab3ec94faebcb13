"""Stocktake arithmetic and JSON shapes, exactly as the contract's examples show them.

counted_qty = full units x unit of measure + partial units; expected_qty = opening +
purchases + transfers in - waste - transfers out + adjustments; variance = counted -
expected, valued at the item's cost per base unit. Decimals leave as fixed-place strings.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Row = dict[str, Any]


def fixed(value: Decimal | str | int | float, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _d(row: Row, key: str) -> Decimal:
    return Decimal(str(row[key]))


def expected_qty(row: Row) -> Decimal:
    return (
        _d(row, "opening_qty")
        + _d(row, "purchases")
        + _d(row, "transfers_in")
        - _d(row, "waste")
        - _d(row, "transfers_out")
        + _d(row, "adjustments")
    )


def counted_qty(row: Row) -> Decimal:
    return _d(row, "counted_full_units") * _d(row, "uom") + _d(row, "counted_partial_units")


def line_json(row: Row) -> Row:
    counted = counted_qty(row)
    expected = expected_qty(row)
    variance = counted - expected
    return {
        "id": row["id"],
        "stocktake": row["stocktake_id"],
        "item": row["item_id"],
        "item_sku": row["sku"],
        "item_name": row["item_name"],
        "category": row["category"],
        "uom": fixed(row["uom"], 2),
        "opening_qty": fixed(row["opening_qty"], 4),
        "purchases": fixed(row["purchases"], 4),
        "waste": fixed(row["waste"], 4),
        "transfers_in": fixed(row["transfers_in"], 4),
        "transfers_out": fixed(row["transfers_out"], 4),
        "adjustments": fixed(row["adjustments"], 4),
        "counted_full_units": fixed(row["counted_full_units"], 2),
        "counted_partial_units": fixed(row["counted_partial_units"], 2),
        "counted_qty": fixed(counted, 4),
        "expected_qty": fixed(expected, 4),
        "variance_qty": fixed(variance, 4),
        "variance_value": fixed(variance * _d(row, "unit_cost"), 2),
    }


def variance_is_zero(row: Row) -> bool:
    return counted_qty(row) == expected_qty(row)


def stocktake_json(row: Row) -> Row:
    return {
        "id": row["id"],
        "hotel": row["hotel_id"],
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "status": row["status"],
        "is_locked": row["status"] == "APPROVED",
        "line_count": row["line_count"],
    }


def movement_json(row: Row) -> Row:
    return {
        "id": row["id"],
        "movement_type": row["movement_type"],
        "quantity": fixed(row["quantity"], 4),
        "timestamp": row["timestamp"],
    }
