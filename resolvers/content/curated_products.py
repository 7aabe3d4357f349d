"""A curated collection's products: its listed members (at most ``MAX_COLLECTION_MEMBERS``), read with one
batched load by id and one by handle, then filtered, sorted, paged and faceted in memory."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bff.backends.catalog_tree import keyset_page
from bff.context import Context
from bff.domain.catalog import Page, Product, ProductQuery
from bff.domain.content import Collection
from bff.domain.search import FACET_AVAILABLE, FACET_PRICE, FACET_PRODUCT_TYPE, FACET_VENDOR
from bff.errors import BadUserInput
from resolvers.catalog.facets import Filter, FilterType, FilterValue
from resolvers.catalog.filters import combined_query
from resolvers.catalog.inputs import ProductFilter, VariantOptionFilter, product_query
from resolvers.connection import known_count
from resolvers.content.connections import CollectionProductConnection, ProductCollectionSortKeys
from resolvers.content.facet_inputs import shopify_input, variant_options
from resolvers.pagination import ConnectionArgs, edges_and_page_info, page_request


async def _members(ctx: Context, members: tuple[str, ...]) -> list[Product]:
    """The listed products in the listed order: each entry an id, else a handle; missing ones left out."""
    loaders = ctx.loaders
    by_id = await loaders.product_by_id.load_many(list(members))
    missing = [m for m, p in zip(members, by_id, strict=True) if p is None]
    by_handle = dict(zip(missing, await loaders.product_by_handle.load_many(missing), strict=True)) if missing else {}
    found = [p or by_handle.get(m) for m, p in zip(members, by_id, strict=True)]
    return list({p.id: p for p in found if p is not None}.values())


def _matches(product: Product, query: ProductQuery, options: list[VariantOptionFilter], skip: str = "") -> bool:
    price = product.min_price.amount if product.min_price else None
    offered = {(o.name.lower(), v.lower()) for o in product.options for v in o.values}
    return (
        (skip == "type" or not query.product_types or product.product_type in query.product_types)
        and (skip == "vendor" or not query.vendors or product.vendor in query.vendors)
        and (not query.tags or any(t in product.tags for t in query.tags))
        and (skip == "available" or query.available is None or product.available == query.available)
        and (skip == "price" or query.min_price is None or (price is not None and price >= query.min_price))
        and (skip == "price" or query.max_price is None or (price is not None and price <= query.max_price))
        and (not options or any((o.name.lower(), o.value.lower()) in offered for o in options))
    )


def _sort_key(sort_key: ProductCollectionSortKeys) -> Callable[[tuple[int, Product]], Any] | None:
    if sort_key is ProductCollectionSortKeys.TITLE:
        return lambda item: (item[1].title.lower(), item[1].id)
    if sort_key is ProductCollectionSortKeys.PRICE:
        return lambda item: (item[1].min_price.amount if item[1].min_price else Decimal(math.inf), item[1].id)
    if sort_key is ProductCollectionSortKeys.BEST_SELLING:
        return lambda item: (item[1].sales_rank or math.inf, item[0])
    if sort_key is ProductCollectionSortKeys.CREATED:
        return lambda item: (item[1].created_at.isoformat() if item[1].created_at else "", item[1].id)
    if sort_key is ProductCollectionSortKeys.ID:
        return lambda item: item[1].id
    return None  # the collection's own order


def _count_values(products: list[Product], label: Callable[[Product], str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for product in products:
        value = label(product)
        if value:
            counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:25]


def _curated_filters(products: list[Product], query: ProductQuery, options: list[VariantOptionFilter]) -> list[Filter]:
    """Facets over the members, each counted with the other filters in force (Shopify's rule)."""

    def left(skip: str) -> list[Product]:
        return [p for p in products if _matches(p, query, options, skip)]

    def listed(facet_id: str, label: str, skip: str, of: Callable[[Product], str]) -> Filter:
        values = [
            FilterValue(id=f"{facet_id}.{value}", label=value, count=n, input=shopify_input(facet_id, value))
            for value, n in _count_values(left(skip), of)
        ]
        return Filter(id=facet_id, label=label, type=FilterType.LIST, values=values)

    stock = left("available")
    in_stock = sum(1 for p in stock if p.available)
    availability = [
        FilterValue(id=f"{FACET_AVAILABLE}.{flag}", label=text, count=n, input=shopify_input(FACET_AVAILABLE, flag))
        for flag, text, n in ((True, "In stock", in_stock), (False, "Out of stock", len(stock) - in_stock))
        if n
    ]
    priced = [p.min_price.amount for p in left("price") if p.min_price]
    price = (
        [
            FilterValue(
                id=FACET_PRICE,
                label="Price",
                count=len(priced),
                input=shopify_input(FACET_PRICE, (Decimal(0), max(priced) + Decimal("0.01"))),
            )
        ]
        if priced
        else []
    )
    return [
        Filter(id=FACET_AVAILABLE, label="Availability", type=FilterType.BOOLEAN, values=availability),
        Filter(id=FACET_PRICE, label="Price", type=FilterType.PRICE_RANGE, values=price),
        listed(FACET_VENDOR, "Brand", "vendor", lambda p: p.vendor),
        listed(FACET_PRODUCT_TYPE, "Product type", "type", lambda p: p.product_type),
    ]


async def curated_products(
    ctx: Context,
    collection: Collection,
    args: ConnectionArgs,
    sort_key: ProductCollectionSortKeys,
    reverse: bool,
    filters: list[ProductFilter] | None,
) -> CollectionProductConnection:
    query = _curated_query(filters)
    options = variant_options(filters)
    listing = f"curated:{collection.handle}:{sort_key.name}:{'desc' if reverse else 'asc'}"
    request = page_request(ctx, args, listing)
    members = await _members(ctx, collection.members)
    chosen = [(i, p) for i, p in enumerate(members) if _matches(p, query, options)]
    key = _sort_key(sort_key)
    if key is not None:
        chosen.sort(key=key)
    if reverse:
        chosen.reverse()
    ranked = [(f"{rank:06d}", product) for rank, (_, product) in enumerate(chosen)]
    found = keyset_page(ranked, lambda item: (item[0], item[1].id), request)
    page = Page([p for _, p in found.items], found.keys, found.has_more)
    edges, page_info = edges_and_page_info(ctx, page, request, listing)

    async def facets() -> list[Filter]:
        return _curated_filters(members, query, options)

    return CollectionProductConnection(
        edges=edges,  # type: ignore[arg-type]
        page_info=page_info,
        count=known_count(len(chosen)),
        facets=facets,
    )


def _curated_query(filters: list[ProductFilter] | None) -> ProductQuery:
    if filters and any(f.category_id is not None for f in filters):
        raise BadUserInput("filters.categoryId: a curated collection is not a category", field="filters.categoryId")
    stripped = [_without_option(f) for f in filters or []]
    for item in filters or []:
        product_query(item, variant_options=True)  # checks the filter's bounds
    return combined_query(stripped)


def _without_option(item: ProductFilter) -> ProductFilter:
    return ProductFilter(
        product_types=item.product_types,
        vendors=item.vendors,
        tags=item.tags,
        available=item.available,
        price=item.price,
        product_type=item.product_type,
        product_vendor=item.product_vendor,
        tag=item.tag,
    )
