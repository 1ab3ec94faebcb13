"""Seed data for the simulator: two hotels, staff with tokens, and a realistic bar list.

Generated from faker with a fixed seed so that runs are repeatable; item names pair a
faker surname (as a brand) with a product kind, and each category has the unit of
measure a hotel bar really counts in (a keg of 88 pints, a case of 24, a 70cl bottle
of 20 measures).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from faker import Faker


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    kinds: tuple[str, ...]
    uom: Decimal
    unit_cost: tuple[float, float]


CATEGORIES = (
    Category("D", "Draught", ("Keg", "Stout Keg", "Lager Keg", "Cider Keg"), Decimal(88), (1.8, 3.2)),
    Category("B", "Bottled Beer", ("Lager", "Pale Ale", "Stout", "IPA"), Decimal(24), (0.9, 2.1)),
    Category("S", "Spirits", ("Whiskey", "Gin", "Vodka", "Rum", "Brandy"), Decimal(20), (0.8, 3.5)),
    Category("W", "Wine", ("Merlot", "Sauvignon Blanc", "Rioja", "Prosecco"), Decimal(1), (5.0, 19.0)),
    Category("M", "Minerals", ("Cola", "Tonic", "Soda Water", "Orange Juice"), Decimal(24), (0.3, 0.9)),
)


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    category: str
    uom: Decimal
    unit_cost: Decimal
    opening_qty: Decimal


@dataclass(frozen=True)
class Staff:
    name: str
    token: str


@dataclass(frozen=True)
class Hotel:
    slug: str
    name: str
    staff: tuple[Staff, ...]
    items: tuple[Item, ...] = field(repr=False)


def _items(fake: Faker, rng: random.Random, count: int) -> tuple[Item, ...]:
    items = [Item("D0030", "Guinness Keg", "Draught", Decimal(88), Decimal("2.50"), Decimal("259.0000"))]
    serial = {category.code: 31 for category in CATEGORIES}
    while len(items) < count:
        category = CATEGORIES[len(items) % len(CATEGORIES)]
        sku = f"{category.code}{serial[category.code]:04d}"
        serial[category.code] += 1
        low, high = category.unit_cost
        opening = Decimal(rng.randint(0, 40)) * category.uom + Decimal(rng.randint(0, 40))
        items.append(
            Item(
                sku=sku,
                name=f"{fake.last_name()} {rng.choice(category.kinds)}",
                category=category.name,
                uom=category.uom,
                unit_cost=Decimal(str(round(rng.uniform(low, high), 2))),
                opening_qty=opening,
            )
        )
    return tuple(items)


def make_hotels(seed: int = 7, items_per_hotel: int = 300) -> tuple[Hotel, Hotel]:
    fake = Faker("en_IE")
    fake.seed_instance(seed)
    rng = random.Random(seed)

    def hotel(slug: str, name: str) -> Hotel:
        staff = tuple(Staff(fake.name(), f"{rng.getrandbits(160):040x}") for _ in range(4))
        return Hotel(slug, name, staff, _items(fake, rng, items_per_hotel))

    return hotel("hotel-killarney", "Hotel Killarney"), hotel("hotel-galway", "Hotel Galway")
