"""Catalog input types, and their conversion into the store's ``ProductQuery``."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import strawberry

from bff.domain.catalog import ProductQuery, ProductSortKey
from bff.errors import BadUserInput
from bff.ids import from_global_id


@strawberry.enum(description="Orders a product list; `reverse: true` flips it.")
class ProductSortKeys(enum.Enum):
    ID = strawberry.enum_value(ProductSortKey.ID, description="By id (stable, arbitrary).")
    TITLE = strawberry.enum_value(ProductSortKey.TITLE, description="Alphabetically by title.")
    PRICE = strawberry.enum_value(ProductSortKey.PRICE, description="By lowest variant price, cheapest first.")
    CREATED_AT = strawberry.enum_value(ProductSortKey.CREATED_AT, description="Oldest first.")
    UPDATED_AT = strawberry.enum_value(ProductSortKey.UPDATED_AT, description="Least recently changed first.")
    BEST_SELLING = strawberry.enum_value(ProductSortKey.BEST_SELLING, description="Best sellers first.")
    RELEVANCE = strawberry.enum_value(
        "RELEVANCE",
        description=("Best match first with a `query`; best sellers first without one. (Shopify Storefront API)"),
    )


def store_sort(sort_key: ProductSortKeys) -> ProductSortKey:
    """The catalog's order for a sort key (RELEVANCE, which needs a query, lists best sellers first)."""
    return ProductSortKey.BEST_SELLING if sort_key is ProductSortKeys.RELEVANCE else ProductSortKey[sort_key.name]


@strawberry.input(description="Inclusive price bounds on a product's lowest variant price.")
class PriceRangeFilter:
    min: Decimal | None = strawberry.field(default=None, description="Lowest price, inclusive.")
    max: Decimal | None = strawberry.field(default=None, description="Highest price, inclusive.")


@strawberry.input(description="An option name and value a product must offer. (Shopify Storefront API)")
class VariantOptionFilter:
    name: str = strawberry.field(description="Option name, e.g. `Size`. (Shopify Storefront API)")
    value: str = strawberry.field(description="Option value, e.g. `M`. (Shopify Storefront API)")


@strawberry.input(
    description=(
        "Narrows a product list; every field given must match. `productType`, `productVendor`, `tag` and "
        "`variantOption` are Shopify's one-value names (a list of filters, one value each, adds them up)."
    )
)
class ProductFilter:
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only products in this category or any category below it."
    )
    product_types: list[str] | None = strawberry.field(default=None, description="Any of these product types.")
    vendors: list[str] | None = strawberry.field(default=None, description="Any of these vendors (brands).")
    tags: list[str] | None = strawberry.field(default=None, description="Tagged with any of these tags.")
    available: bool | None = strawberry.field(
        default=None, description="`true`: in stock only; `false`: sold out only."
    )
    price: PriceRangeFilter | None = strawberry.field(default=None, description="Price bounds.")
    product_type: str | None = strawberry.field(default=None, description="This product type. (Shopify Storefront API)")
    product_vendor: str | None = strawberry.field(default=None, description="This vendor. (Shopify Storefront API)")
    tag: str | None = strawberry.field(default=None, description="Tagged with this tag. (Shopify Storefront API)")
    variant_option: VariantOptionFilter | None = strawberry.field(
        default=None,
        description="Offers this option value; curated collections only (docs/content.md). (Shopify Storefront API)",
    )


@strawberry.input(description="An option name and value, e.g. `Size` = `M`.")
class SelectedOptionInput:
    name: str = strawberry.field(description="Option name.")
    value: str = strawberry.field(description="Option value.")


MAX_FILTER_VALUES = 50


def _values(values: list[str] | None, field: str, one: str | None = None) -> tuple[str, ...]:
    if one is not None:
        values = [*(values or []), one]
    if not values:
        return ()
    if len(values) > MAX_FILTER_VALUES:
        raise BadUserInput(f"filter.{field}: at most {MAX_FILTER_VALUES} values", field=f"filter.{field}")
    return tuple(values)


def product_query(
    filter: ProductFilter | None, category_id: str | None = None, *, variant_options: bool = False
) -> ProductQuery:
    """The store query for a filter; ``category_id`` (a store key) wins over the filter's. ``variant_options``:
    the caller applies ``variantOption`` itself (the store's listings cannot)."""
    if filter is None:
        return ProductQuery(category_id=category_id)
    if filter.variant_option is not None and not variant_options:
        raise BadUserInput(
            "filter.variantOption: this list cannot be narrowed by option values", field="filter.variantOption"
        )
    if category_id is None and filter.category_id is not None:
        _, category_id = from_global_id(filter.category_id, "Category", field="filter.categoryId")
    low = filter.price.min if filter.price else None
    high = filter.price.max if filter.price else None
    for name, bound in (("min", low), ("max", high)):
        if bound is not None and (not bound.is_finite() or bound < 0):
            raise BadUserInput(f"filter.price.{name} must be a non-negative amount", field=f"filter.price.{name}")
    if low is not None and high is not None and low > high:
        raise BadUserInput("filter.price: `min` is greater than `max`", field="filter.price")
    return ProductQuery(
        category_id=category_id,
        product_types=_values(filter.product_types, "productTypes", filter.product_type),
        vendors=_values(filter.vendors, "vendors", filter.product_vendor),
        tags=_values(filter.tags, "tags", filter.tag),
        available=filter.available,
        min_price=low,
        max_price=high,
    )


def listing_name(sort: ProductSortKey, reverse: bool) -> str:
    """Cursors are bound to the order they were made for."""
    return f"products:{sort.value}:{'desc' if reverse else 'asc'}"


FilterArg = Annotated[ProductFilter | None, strawberry.argument(description="Narrows the list.")]
ReverseArg = Annotated[bool, strawberry.argument(description="Reverse the order.")]
