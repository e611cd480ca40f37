"""bench/prices.json: every price and rule the cost meter uses, each with where it was read."""

from __future__ import annotations

import copy

import pytest

from bench import pricing


def test_every_price_names_its_region_date_and_source_page() -> None:
    """The shipped list loads; each price is us-east-1, dated, from an https:// AWS page."""
    prices = pricing.load()
    assert prices.prices
    for price in prices.prices.values():
        assert price.region == "us-east-1"
        assert price.date and price.source.startswith("https://aws.amazon.com/")


def test_a_price_without_its_source_is_refused() -> None:
    """Provenance is not optional: a price lacking its source page does not load."""
    raw = copy.deepcopy(pricing.load().raw)
    del raw["prices"]["lambda_request"]["source"]
    with pytest.raises(pricing.PriceListError, match="lambda_request' lacks source"):
        pricing.parse(raw)


def test_cost_multiplies_by_the_unit_the_price_is_for() -> None:
    """A price per million: a million requests cost the price."""
    request = pricing.load()["lambda_request"]
    assert request.cost(request.per) == pytest.approx(request.usd)


def test_an_unknown_price_is_a_clear_error() -> None:
    """Asking for a price the file lacks names it."""
    with pytest.raises(pricing.PriceListError, match="no price 'lambda_free_lunch'"):
        pricing.load()["lambda_free_lunch"]
