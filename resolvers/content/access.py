"""Collections, pages and menus by handle through the request's loaders (``node`` uses these too)."""

from __future__ import annotations

from urllib.parse import urljoin

import strawberry

from bff.context import Context
from bff.domain import content as domain
from bff.ids import to_global_id
from bff.services.content_navigation import generated_menu
from resolvers.content.types import Menu, MenuItem, MenuItemType


async def load_collection(ctx: Context, handle: str) -> domain.Collection | None:
    """The curated collection of ``handle``, else the category of that handle (each a batched load)."""
    if domain.valid_handle(handle):  # curated handles are checked on import: others cannot be stored
        curated = await ctx.loaders.curated_by_handle.load(handle)
        if isinstance(curated, domain.CuratedCollection):
            return domain.Collection.of_curated(curated)
    category = await ctx.loaders.category_by_handle.load(handle)
    return None if category is None else domain.Collection.of_category(category)


async def load_page(ctx: Context, handle: str) -> domain.ContentPage | None:
    if not domain.valid_handle(handle):
        return None
    page = await ctx.loaders.page_by_handle.load(handle)
    return page if isinstance(page, domain.ContentPage) else None


def shop_url(ctx: Context) -> str:
    """The storefront's address: ``BFF_SHOP_URL``, else the first CORS origin."""
    settings = ctx.settings
    return (settings.shop_url or (settings.cors_origins or ["http://localhost:3000"])[0]).rstrip("/")


def _url(base: str, item: domain.MenuItem) -> str | None:
    if item.url is not None:
        return urljoin(base + "/", item.url)
    if item.resource is not None:
        kind, _, handle = item.resource.partition(":")
        return f"{base}/{kind}s/{handle}"
    return None


def _items(items: tuple[domain.MenuItem, ...], base: str, prefix: str) -> list[MenuItem]:
    return [
        MenuItem(
            id=strawberry.ID(to_global_id("MenuItem", f"{prefix}.{index}")),
            title=item.title,
            url=_url(base, item),
            type=MenuItemType[item.type.name],
            items=_items(item.items, base, f"{prefix}.{index}"),
            tags=[],
            resource=item.resource,
        )
        for index, item in enumerate(items)
    ]


async def load_menu(ctx: Context, handle: str) -> Menu | None:
    """The stored menu of ``handle``, else the one generated for it (``main-menu``, ``footer``), else none."""
    if not domain.valid_handle(handle):
        return None
    menu = await ctx.loaders.menu_by_handle.load(handle)
    if not isinstance(menu, domain.Menu):
        menu = await generated_menu(handle, ctx.backends.catalog_reads, ctx.backends.content)
    if menu is None:
        return None
    return Menu(
        id=strawberry.ID(to_global_id("Menu", menu.handle)),
        handle=menu.handle,
        title=menu.title,
        items=_items(menu.items, shop_url(ctx), menu.handle),
        items_count=domain.count_items(menu.items),
    )
