"""Product filters: several ``ProductFilter`` inputs combined into one query, and facets turned back into
the ``ProductFilter`` JSON that selects each value (``FilterValue.input``); a category page's facets.

Combining follows Shopify: values of one field add up (vendor A or vendor B), different fields narrow
(vendor A and in stock), price bounds intersect.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from bff.context import Context
from bff.domain.catalog import ProductQuery
from bff.domain.search import (
    FACET_AVAILABLE,
    FACET_CATEGORY,
    FACET_PRICE,
    FACET_PRODUCT_TYPE,
    FACET_VENDOR,
    Facet,
    SearchRequest,
    category_ids,
)
from bff.errors import BadUserInput
from bff.ids import to_global_id
from resolvers.catalog.facets import Filter, FilterType, FilterValue
from resolvers.catalog.inputs import MAX_FILTER_VALUES, ProductFilter, product_query

MAX_FILTERS = 20


def _union(a: tuple[str, ...], b: tuple[str, ...], field: str) -> tuple[str, ...]:
    merged = tuple(dict.fromkeys((*a, *b)))
    if len(merged) > MAX_FILTER_VALUES:
        raise BadUserInput(
            f"productFilters.{field}: at most {MAX_FILTER_VALUES} values", field=f"productFilters.{field}"
        )
    return merged


def _one(a: object, b: object, field: str) -> object:
    if a is not None and b is not None and a != b:
        raise BadUserInput(f"productFilters: conflicting `{field}` values", field=f"productFilters.{field}")
    return a if a is not None else b


def _bound(a: Decimal | None, b: Decimal | None, highest: bool) -> Decimal | None:
    if a is None or b is None:
        return a if a is not None else b
    return max(a, b) if highest else min(a, b)


def combined_query(filters: list[ProductFilter] | None, category_id: str | None = None) -> ProductQuery:
    if filters and len(filters) > MAX_FILTERS:
        raise BadUserInput(f"productFilters: at most {MAX_FILTERS} filters", field="productFilters")
    result = ProductQuery(category_id=category_id)
    for item in filters or []:
        q = product_query(item)
        result = ProductQuery(
            category_id=_one(result.category_id, q.category_id, "categoryId"),  # type: ignore[arg-type]
            product_types=_union(result.product_types, q.product_types, "productTypes"),
            vendors=_union(result.vendors, q.vendors, "vendors"),
            tags=_union(result.tags, q.tags, "tags"),
            available=_one(result.available, q.available, "available"),  # type: ignore[arg-type]
            min_price=_bound(result.min_price, q.min_price, highest=True),
            max_price=_bound(result.max_price, q.max_price, highest=False),
        )
    if result.min_price is not None and result.max_price is not None and result.min_price > result.max_price:
        raise BadUserInput("productFilters: the price ranges do not overlap", field="productFilters.price")
    return result


def _input(facet_id: str, value: object) -> Any:
    if facet_id == FACET_CATEGORY:
        return {"categoryId": to_global_id("Category", str(value))}
    if facet_id == FACET_VENDOR:
        return {"vendors": [value]}
    if facet_id == FACET_PRODUCT_TYPE:
        return {"productTypes": [value]}
    if facet_id == FACET_AVAILABLE:
        return {"available": value}
    if facet_id == FACET_PRICE:
        low, high = cast(tuple[Decimal, Decimal | None], value)
        bounds = {"min": str(low)}
        if high is not None:
            bounds["max"] = str(high - Decimal("0.01"))  # buckets are [low, high); the filter is inclusive
        return {"price": bounds}
    raise ValueError(f"unknown facet {facet_id}")


async def to_filters(ctx: Context, facets: list[Facet], titles: Mapping[str, str] | None = None) -> list[Filter]:
    """GraphQL filters for the port's facets; category labels from ``titles`` when the caller read them (a
    search page, beside its products), else from the category loader (one batch)."""
    if titles is None:
        loaded = await ctx.loaders.category_by_id.load_many(category_ids(facets))
        titles = {c.id: c.title for c in loaded if c is not None}
    return [
        Filter(
            id=f.id,
            label=f.label,
            type=FilterType[f.type.name],
            values=[
                FilterValue(
                    id=v.id,
                    label=titles.get(str(v.value), v.label) if f.id == FACET_CATEGORY else v.label,
                    count=v.count,
                    input=_input(f.id, v.value),
                )
                for v in f.values
            ],
        )
        for f in facets
    ]


async def category_filters(ctx: Context, category_id: str, filter: ProductFilter | None) -> list[Filter]:
    """The facets of a category page: the search engine's counts over the category's products."""
    filters = combined_query([filter] if filter else None, category_id=category_id)
    if filter is not None and filter.category_id is not None:
        raise BadUserInput("filter.categoryId: a category page is already one category", field="filter.categoryId")
    request = SearchRequest(text=None, filters=filters, limit=0, with_total=False, with_facets=True)
    result = await ctx.backends.search.search(request)
    return await to_filters(ctx, result.facets)
