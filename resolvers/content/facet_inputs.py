"""Facet values as Shopify's storefronts send them back: the ``ProductFilter`` selecting each, in Shopify's
names (``{"productVendor": "Acme"}``, ``{"price": {"min": 10, "max": 19.99}}``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from bff.domain.search import FACET_AVAILABLE, FACET_PRODUCT_TYPE, FACET_VENDOR
from resolvers.catalog.inputs import ProductFilter, VariantOptionFilter


def amount(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def shopify_input(facet_id: str, value: object) -> Any:
    """The ``ProductFilter`` selecting a facet value, in Shopify's names (``{"productVendor": "Acme"}``)."""
    if facet_id == FACET_VENDOR:
        return {"productVendor": value}
    if facet_id == FACET_PRODUCT_TYPE:
        return {"productType": value}
    if facet_id == FACET_AVAILABLE:
        return {"available": value}
    low, high = cast(tuple[Decimal, Decimal | None], value)
    bounds = {"min": amount(low)}
    if high is not None:
        bounds["max"] = amount(high - Decimal("0.01"))  # buckets are [low, high); the filter is inclusive
    return {"price": bounds}


def variant_options(filters: list[ProductFilter] | None) -> list[VariantOptionFilter]:
    return [f.variant_option for f in filters or [] if f.variant_option is not None]
