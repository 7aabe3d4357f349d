"""``ContentQuery``: Shopify's ``collection``, ``collections``, ``menu``, ``page``, ``pages``, ``pageByHandle``
and ``shop`` (docs/content.md)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.backends.catalog_tree import keyset_page
from bff.context import Context, Info
from bff.domain import content as domain
from bff.domain.catalog import Image as CatalogImage
from bff.domain.catalog import Page as CatalogPage
from bff.errors import BadUserInput
from bff.ids import from_global_id, to_global_id
from bff.services.content_navigation import all_collections
from resolvers.connection import Connection, known_count
from resolvers.content.access import load_collection, load_menu, load_page, shop_url
from resolvers.content.types import Brand, Collection, CollectionSortKeys, Domain, MediaImage, Menu, Page, Shop
from resolvers.pagination import After, Before, ConnectionArgs, First, Last, edges_and_page_info, page_request

IdArg = Annotated[strawberry.ID | None, strawberry.argument(description="Global id.")]
HandleArg = Annotated[str | None, strawberry.argument(description="Handle (unique, URL-friendly name).")]
RequiredHandle = Annotated[str, strawberry.argument(description="Handle (unique, URL-friendly name).")]


def _handle(id: strawberry.ID | None, handle: str | None, type_name: str) -> str:
    if (id is None) == (handle is None):
        raise BadUserInput("pass exactly one of `id` or `handle`", field="id")
    if id is not None:
        return from_global_id(id, type_name)[1]
    return _checked(handle or "")


def _checked(handle: str) -> str:
    if len(handle) > domain.MAX_HANDLE:
        raise BadUserInput(f"`handle` is longer than {domain.MAX_HANDLE} characters", field="handle")
    return handle


def _collection_order(sort_key: CollectionSortKeys, collection: domain.Collection, index: int) -> str:
    if sort_key is CollectionSortKeys.TITLE:
        return collection.title.lower()
    if sort_key is CollectionSortKeys.UPDATED_AT:
        return collection.updated_at.isoformat() if collection.updated_at else ""
    if sort_key is CollectionSortKeys.ID:
        return collection.handle
    return f"{index:06d}"


async def _pages(ctx: Context, args: ConnectionArgs) -> Connection[Page]:
    request = page_request(ctx, args, "pages")
    if request.backward:
        raise BadUserInput("pages are listed forward only: use `first` and `after`", field="last")
    after = None if request.after is None else request.after[1]
    content = ctx.backends.content
    items = await content.list_items(domain.ContentKind.PAGE, after, request.limit + 1)
    pages = [i for i in items if isinstance(i, domain.ContentPage)]
    chosen = pages[: request.limit]
    for page in chosen:
        ctx.loaders.page_by_handle.prime(page.handle, page)
    found = CatalogPage(chosen, [(p.handle, p.handle) for p in chosen], len(pages) > request.limit)
    edges, page_info = edges_and_page_info(ctx, found, request, "pages")

    async def count() -> int:
        return await content.count_items(domain.ContentKind.PAGE)

    return Connection(edges=edges, page_info=page_info, count=count)  # type: ignore[arg-type]


def _logo(url: str | None) -> MediaImage | None:
    if url is None:
        return None
    # The catalog's image (its URL made absolute on the image host, transforms passed on, by `Image.url`).
    image = CatalogImage(url=url)
    return MediaImage(id=strawberry.ID(to_global_id("MediaImage", "logo")), alt=None, image=image)  # type: ignore[arg-type]


@strawberry.type
class ContentQuery:
    @strawberry.field(
        description=(
            "One collection (a category or a curated collection) by id or handle; null when none. "
            "(Shopify Storefront API)"
        )
    )
    async def collection(self, info: Info, id: IdArg = None, handle: HandleArg = None) -> Collection | None:
        return await load_collection(info.context, _handle(id, handle, "Collection"))  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Every collection: the categories, then the curated collections (at most 1,000 of each are listed). "
            "(Shopify Storefront API)"
        )
    )
    async def collections(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        sort_key: Annotated[CollectionSortKeys, strawberry.argument(description="Order of the list.")] = (
            CollectionSortKeys.ID
        ),
        reverse: Annotated[bool, strawberry.argument(description="Reverse the order.")] = False,
    ) -> Connection[Collection]:
        ctx = info.context
        listing = f"collections:{sort_key.name}:{'desc' if reverse else 'asc'}"
        request = page_request(ctx, ConnectionArgs(first, after, last, before), listing)
        everything = await all_collections(ctx.backends.catalog_reads, ctx.backends.content)
        ordered = sorted(
            ((_collection_order(sort_key, c, i), c) for i, c in enumerate(everything)),
            key=lambda item: (item[0], item[1].handle),
            reverse=reverse,
        )
        ranked = [(f"{rank:06d}", c) for rank, (_, c) in enumerate(ordered)]
        found = keyset_page(ranked, lambda item: (item[0], item[1].handle), request)
        page = CatalogPage([c for _, c in found.items], found.keys, found.has_more)
        edges, page_info = edges_and_page_info(ctx, page, request, listing)
        return Connection(edges=edges, page_info=page_info, count=known_count(len(ranked)))  # type: ignore[arg-type]

    @strawberry.field(
        description=(
            "A navigation menu by handle: one from the content feed, else `main-menu` (the category tree) or "
            "`footer` (the pages) as generated; null for another handle. (Shopify Storefront API)"
        )
    )
    async def menu(self, info: Info, handle: RequiredHandle) -> Menu | None:
        return await load_menu(info.context, _checked(handle))

    @strawberry.field(description="One page by id or handle; null when there is none. (Shopify Storefront API)")
    async def page(self, info: Info, id: IdArg = None, handle: HandleArg = None) -> Page | None:
        return await load_page(info.context, _handle(id, handle, "Page"))  # type: ignore[return-value]

    @strawberry.field(
        description="One page by handle; null when there is none, the older name of `page`. (Shopify Storefront API)"
    )
    async def page_by_handle(self, info: Info, handle: RequiredHandle) -> Page | None:
        return await load_page(info.context, _checked(handle))  # type: ignore[return-value]

    @strawberry.field(description="The shop's pages, by handle. (Shopify Storefront API)")
    async def pages(self, info: Info, first: First = None, after: After = None) -> Connection[Page]:
        return await _pages(info.context, ConnectionArgs(first, after))

    @strawberry.field(description="The shop: its name, description and address. (Shopify Storefront API)")
    def shop(self, info: Info) -> Shop:
        settings = info.context.settings
        return Shop(
            id=strawberry.ID(to_global_id("Shop", "shop")),
            name=settings.shop_name,
            description=settings.shop_description or None,
            primary_domain=Domain.of(shop_url(info.context)),
            brand=Brand(
                logo=_logo(settings.shop_logo_url), short_description=settings.shop_description or None, slogan=None
            ),
        )
