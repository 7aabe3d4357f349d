"""``Collection.products``: a category's products from the catalog's sorted listings (facets from the search
port), or a curated collection's listed products, filtered, sorted and faceted in memory (at most
``MAX_COLLECTION_MEMBERS`` of them).

Shopify's ``ProductCollectionSortKeys`` map onto the catalog's sorts; ``MANUAL``, ``COLLECTION_DEFAULT`` and
``RELEVANCE`` are a category's best sellers first and a curated collection's own order.
"""

from __future__ import annotations

from bff.context import Context
from bff.degradation import warn
from bff.domain.catalog import ProductSortKey
from bff.domain.content import Collection
from bff.domain.search import FACET_AVAILABLE, FACET_PRICE, FACET_PRODUCT_TYPE, FACET_VENDOR, Facet, SearchRequest
from bff.errors import BadUserInput, ServiceUnavailable
from resolvers.catalog.facets import Filter, FilterType, FilterValue
from resolvers.catalog.filters import combined_query
from resolvers.catalog.inputs import ProductFilter
from resolvers.content.connections import CollectionProductConnection, ProductCollectionSortKeys
from resolvers.content.curated_products import curated_products
from resolvers.content.facet_inputs import shopify_input, variant_options
from resolvers.pagination import ConnectionArgs, edges_and_page_info, page_request

_STORE_SORTS = {
    ProductCollectionSortKeys.TITLE: ProductSortKey.TITLE,
    ProductCollectionSortKeys.PRICE: ProductSortKey.PRICE,
    ProductCollectionSortKeys.BEST_SELLING: ProductSortKey.BEST_SELLING,
    ProductCollectionSortKeys.CREATED: ProductSortKey.CREATED_AT,
    ProductCollectionSortKeys.ID: ProductSortKey.ID,
}


async def collection_products(
    ctx: Context,
    collection: Collection,
    args: ConnectionArgs,
    sort_key: ProductCollectionSortKeys,
    reverse: bool,
    filters: list[ProductFilter] | None,
) -> CollectionProductConnection:
    if collection.category_id is not None:
        return await _category_products(ctx, collection.category_id, args, sort_key, reverse, filters)
    return await curated_products(ctx, collection, args, sort_key, reverse, filters)


async def _category_products(
    ctx: Context,
    category_id: str,
    args: ConnectionArgs,
    sort_key: ProductCollectionSortKeys,
    reverse: bool,
    filters: list[ProductFilter] | None,
) -> CollectionProductConnection:
    if variant_options(filters):
        raise BadUserInput(
            "filters.variantOption: a category's products cannot be narrowed by option values",
            field="filters.variantOption",
        )
    query = combined_query(filters, category_id=category_id)
    sort = _STORE_SORTS.get(sort_key, ProductSortKey.BEST_SELLING)
    listing = f"collection:{category_id}:{sort.value}:{'desc' if reverse else 'asc'}"
    request = page_request(ctx, args, listing)
    store = ctx.backends.catalog_reads
    page = await store.list_products(query, sort, reverse, request)
    for product in page.items:
        ctx.loaders.product_by_id.prime(product.id, product)
    edges, page_info = edges_and_page_info(ctx, page, request, listing)

    async def count() -> int:
        return await store.count_products(query)

    async def facets() -> list[Filter]:
        search = SearchRequest(text=None, filters=query, limit=0, with_total=False, with_facets=True)
        try:
            result = await ctx.backends.search.search(search)
        except ServiceUnavailable as error:  # the page's products are served without their filter panel
            warn("search", error)
            return []
        return [_filter(f) for f in result.facets if f.id in _SHOWN]

    return CollectionProductConnection(edges=edges, page_info=page_info, count=count, facets=facets)  # type: ignore[arg-type]


_SHOWN = (FACET_AVAILABLE, FACET_PRICE, FACET_VENDOR, FACET_PRODUCT_TYPE)


def _filter(facet: Facet) -> Filter:
    values = [
        FilterValue(id=v.id, label=v.label, count=v.count, input=shopify_input(facet.id, v.value)) for v in facet.values
    ]
    return Filter(id=facet.id, label=facet.label, type=FilterType[facet.type.name], values=values)
