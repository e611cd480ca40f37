"""The price list (bench/prices.json): every price and billing rule, each with its source.

The file is the only place a price is typed; :func:`load` refuses one without its region,
date and source page, so a figure in the table can always be traced to where it was read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).with_name("prices.json")
_PRICE_FIELDS = ("usd", "per", "unit", "region", "date", "source")


class PriceListError(ValueError):
    """bench/prices.json is missing a price, or a price its provenance."""


@dataclass(frozen=True)
class Price:
    name: str
    usd: float
    per: float  # the price is for this many units
    unit: str
    region: str
    date: str
    source: str

    def cost(self, quantity: float) -> float:
        return quantity * self.usd / self.per


@dataclass(frozen=True)
class PriceList:
    prices: dict[str, Price]
    rules: dict[str, float]
    raw: dict[str, Any]

    def __getitem__(self, name: str) -> Price:
        try:
            return self.prices[name]
        except KeyError as err:
            raise PriceListError(f"bench/prices.json has no price {name!r}") from err

    def rule(self, name: str) -> float:
        try:
            return self.rules[name]
        except KeyError as err:
            raise PriceListError(f"bench/prices.json has no rule {name!r}") from err

    def cite(self) -> list[dict[str, Any]]:
        """Every price with its provenance, for the results file."""
        return [
            {"name": p.name, "usd": p.usd, "per": p.per, "unit": p.unit, "region": p.region}
            | {"date": p.date, "source": p.source}
            for p in self.prices.values()
        ]


def parse(raw: dict[str, Any]) -> PriceList:
    prices = {}
    for name, entry in raw.get("prices", {}).items():
        missing = [field for field in _PRICE_FIELDS if field not in entry]
        if missing:
            raise PriceListError(f"price {name!r} lacks {', '.join(missing)}")
        if not str(entry["source"]).startswith("https://"):
            raise PriceListError(f"price {name!r}: source must be an https:// page")
        prices[name] = Price(
            name,
            float(entry["usd"]),
            float(entry["per"]),
            str(entry["unit"]),
            str(entry["region"]),
            str(entry["date"]),
            str(entry["source"]),
        )
    rules = {}
    for name, entry in raw.get("rules", {}).items():
        if "value" not in entry or not str(entry.get("source", "")).startswith("https://"):
            raise PriceListError(f"rule {name!r} needs a value and an https:// source")
        rules[name] = float(entry["value"])
    return PriceList(prices, rules, raw)


def load(path: Path = PRICES_FILE) -> PriceList:
    return parse(json.loads(path.read_text()))
