"""Product lists as connections, shared by ``products`` and ``Category.products``."""

from __future__ import annotations

from bff.context import Context
from bff.domain.catalog import Page
from resolvers.catalog.connections import ProductConnection
from resolvers.catalog.inputs import ProductFilter, ProductSortKeys, listing_name, product_query, store_sort
from resolvers.connection import Connection
from resolvers.pagination import ConnectionArgs, edges_and_page_info, page_request


async def product_connection(
    ctx: Context,
    args: ConnectionArgs,
    filter: ProductFilter | None,
    sort_key: ProductSortKeys,
    reverse: bool,
    category_id: str | None = None,
    rerank: bool = False,
) -> ProductConnection:
    sort = store_sort(sort_key)
    listing = listing_name(sort, reverse)
    query = product_query(filter, category_id)
    request = page_request(ctx, args, listing)
    # Through the read-through (a remote store's listings get their products from the shared cache).
    store = ctx.backends.catalog_reads
    page = await store.list_products(query, sort, reverse, request)
    for product in page.items:
        # The page already holds these products: nested lookups by id must not fetch them again.
        ctx.loaders.product_by_id.prime(product.id, product)
    if rerank:
        # For a signed-in shopper when re-ranking is on: the same items in another order. The cursors stay
        # in the listing's order, so the next page starts after this one whatever the order shown.
        page = Page(await ctx.rerank(page.items), page.keys, page.has_more)
    edges, page_info = edges_and_page_info(ctx, page, request, listing)

    async def count() -> int:
        return await store.count_products(query)

    return Connection(edges=edges, page_info=page_info, count=count)  # type: ignore[arg-type]
