"""The storefront's navigation: every collection (the category tree and the curated collections) and the
menus generated when the content store has none of that handle (``main-menu`` from the category tree,
``footer`` from the pages).

Both read whole sets, bounded: at most ``MAX_LISTED`` categories and as many curated collections.
"""

from __future__ import annotations

from bff.backends.catalog import CatalogReader
from bff.backends.content import MAX_LIST, ContentStore
from bff.domain.catalog import Category, PageRequest
from bff.domain.content import (
    MAX_MENU_DEPTH,
    MAX_MENU_ITEMS,
    Collection,
    ContentKind,
    ContentPage,
    CuratedCollection,
    Menu,
    MenuItem,
    MenuItemType,
)

# The most categories, and the most curated collections, a collections listing or a menu reads.
MAX_LISTED = 1000
MAIN_MENU = "main-menu"
FOOTER_MENU = "footer"


async def category_tree(catalog: CatalogReader, limit: int = MAX_LISTED) -> list[Category]:
    """Categories in tree order (depth first, by position), at most ``limit``."""
    found: list[Category] = []
    after = None
    while len(found) < limit:
        page = await catalog.list_categories(
            None, False, PageRequest(limit=min(MAX_LIST, limit - len(found)), after=after)
        )
        found += page.items
        if not page.has_more or not page.keys:
            break
        after = page.keys[-1]
    return found[:limit]


async def curated_collections(content: ContentStore, limit: int = MAX_LISTED) -> list[CuratedCollection]:
    found: list[CuratedCollection] = []
    after = None
    while len(found) < limit:
        items = await content.list_items(ContentKind.COLLECTION, after, min(MAX_LIST, limit - len(found)))
        found += [i for i in items if isinstance(i, CuratedCollection)]
        if len(items) < MAX_LIST:
            break
        after = items[-1].handle
    return found[:limit]


async def all_collections(catalog: CatalogReader, content: ContentStore) -> list[Collection]:
    """The categories in tree order, then the curated collections by handle; a curated collection hides the
    category of its handle."""
    curated = await curated_collections(content)
    handles = {c.handle for c in curated}
    categories = [Collection.of_category(c) for c in await category_tree(catalog) if c.handle not in handles]
    return categories + [Collection.of_curated(c) for c in curated]


def _category_items(categories: list[Category]) -> tuple[MenuItem, ...]:
    children: dict[str | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    budget = [MAX_MENU_ITEMS - 1]

    def items(parent: str | None, level: int) -> tuple[MenuItem, ...]:
        made = []
        for category in children.get(parent, []):
            if budget[0] <= 0:
                break
            budget[0] -= 1
            below = items(category.id, level + 1) if level < MAX_MENU_DEPTH else ()
            made.append(
                MenuItem(
                    category.title,
                    MenuItemType.COLLECTION,
                    url=f"/collections/{category.handle}",
                    resource=f"collection:{category.handle}",
                    items=below,
                )
            )
        return tuple(made)

    return items(None, 1)


async def generated_menu(handle: str, catalog: CatalogReader, content: ContentStore) -> Menu | None:
    """``main-menu``: home, then the category tree; ``footer``: the pages and search; else none."""
    if handle == MAIN_MENU:
        home = MenuItem("Home", MenuItemType.FRONTPAGE, url="/")
        return Menu(MAIN_MENU, "Main menu", (home, *_category_items(await category_tree(catalog))))
    if handle == FOOTER_MENU:
        pages = await content.list_items(ContentKind.PAGE, None, MAX_MENU_ITEMS - 1)
        items = [
            MenuItem(p.title, MenuItemType.PAGE, url=f"/pages/{p.handle}", resource=f"page:{p.handle}")
            for p in pages
            if isinstance(p, ContentPage)
        ]
        return Menu(FOOTER_MENU, "Footer menu", (*items, MenuItem("Search", MenuItemType.SEARCH, url="/search")))
    return None
