"""``CatalogQuery``: the catalog's root fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import BadUserInput
from bff.ids import from_global_id
from resolvers.catalog.connections import CategoryConnection, ProductConnection
from resolvers.catalog.inputs import FilterArg, ProductSortKeys, ReverseArg
from resolvers.catalog.listing import product_connection
from resolvers.catalog.query_listing import query_connection
from resolvers.catalog.types import Category, Product
from resolvers.connection import Connection
from resolvers.pagination import After, Before, ConnectionArgs, First, Last, edges_and_page_info, page_request

MAX_HANDLE = 255
IdArg = Annotated[strawberry.ID | None, strawberry.argument(description="Global id.")]
HandleArg = Annotated[str | None, strawberry.argument(description="Handle (unique, URL-friendly name).")]


def _one_of(id: strawberry.ID | None, handle: str | None) -> None:
    if (id is None) == (handle is None):
        raise BadUserInput("pass exactly one of `id` or `handle`", field="id")
    if handle is not None and len(handle) > MAX_HANDLE:
        raise BadUserInput(f"`handle` is longer than {MAX_HANDLE} characters", field="handle")


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="One product by id or handle; null when there is none.")
    async def product(self, info: Info, id: IdArg = None, handle: HandleArg = None) -> Product | None:
        _one_of(id, handle)
        loaders = info.context.loaders
        if id is not None:
            _, key = from_global_id(id, "Product")
            return await loaders.product_by_id.load(key)  # type: ignore[return-value]
        return await loaders.product_by_handle.load(handle or "")  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "A page of products, filtered and sorted; with `query`, the products matching Shopify's search "
            "syntax (docs/shopify-compatibility.md), best match first. (Shopify Storefront API)"
        )
    )
    async def products(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg = None,
        sort_key: Annotated[ProductSortKeys, strawberry.argument(description="Order of the list.")] = (
            ProductSortKeys.ID
        ),
        reverse: ReverseArg = False,
        query: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "Shopify's search syntax: words, `title:`, `tag:`, `product_type:`, `vendor:`, "
                    '`available_for_sale:`, `variants.price:<50`, AND/OR and parentheses (e.g. `"linen" '
                    "tag:sale variants.price:<100`); a syntax error is `BAD_USER_INPUT`."
                )
            ),
        ] = None,
    ) -> ProductConnection:
        args = ConnectionArgs(first, after, last, before)
        if query is not None:
            return await query_connection(info.context, query, args, filter, sort_key, reverse)
        return await product_connection(info.context, args, filter, sort_key, reverse)

    @strawberry.field(description="One category by id or handle; null when there is none.")
    async def category(self, info: Info, id: IdArg = None, handle: HandleArg = None) -> Category | None:
        _one_of(id, handle)
        loaders = info.context.loaders
        if id is not None:
            _, key = from_global_id(id, "Category")
            return await loaders.category_by_id.load(key)  # type: ignore[return-value]
        return await loaders.category_by_handle.load(handle or "")  # type: ignore[return-value]

    @strawberry.field(description="A page of categories in tree order (depth first, by position).")
    async def categories(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        parent_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the direct children of this category."),
        ] = None,
        top_level: Annotated[bool, strawberry.argument(description="Only top-level categories.")] = False,
    ) -> CategoryConnection:
        ctx = info.context
        parent = None if parent_id is None else from_global_id(parent_id, "Category", field="parentId")[1]
        listing = "categories"
        request = page_request(ctx, ConnectionArgs(first, after, last, before), listing)
        store = ctx.backends.catalog
        page = await store.list_categories(parent, top_level, request)
        for category in page.items:
            ctx.loaders.category_by_id.prime(category.id, category)
        edges, page_info = edges_and_page_info(ctx, page, request, listing)

        async def count() -> int:
            return await store.count_categories(parent, top_level)

        return Connection(edges=edges, page_info=page_info, count=count)  # type: ignore[arg-type]
