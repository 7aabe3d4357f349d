"""The storefront's content: pages (about, shipping, ...), navigation menus and curated collections.

Each is identified by its handle, chosen by whoever writes the content feed: a handle is 1 to 255 characters
of lower-case letters, digits, ``-``, ``_`` and ``.`` (``valid_handle``), so it fits in a URL and a storage key.
A curated collection lists its products by id or handle, at most ``MAX_COLLECTION_MEMBERS`` of them: its
listings, filters and facets are computed over that bounded set in memory.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from bff.domain.catalog import Category, Image
from bff.domain.safe_html import text_to_html

MAX_HANDLE = 255
MAX_TITLE = 255
MAX_BODY_CHARS = 100_000
MAX_COLLECTION_MEMBERS = 250
MAX_MENU_ITEMS = 250
MAX_MENU_DEPTH = 3
_HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{0,254}")


def valid_handle(handle: str) -> bool:
    return _HANDLE.fullmatch(handle) is not None


class ContentKind(enum.Enum):
    PAGE = "page"
    MENU = "menu"
    COLLECTION = "collection"


class MenuItemType(enum.Enum):
    """What a menu item links to (Shopify's ``MenuItemType`` subset)."""

    FRONTPAGE = "FRONTPAGE"
    CATALOG = "CATALOG"
    COLLECTIONS = "COLLECTIONS"
    COLLECTION = "COLLECTION"
    PRODUCT = "PRODUCT"
    PAGE = "PAGE"
    SEARCH = "SEARCH"
    HTTP = "HTTP"


@dataclass(frozen=True, slots=True)
class ContentPage:
    handle: str
    title: str
    body_html: str = ""
    summary: str = ""
    seo_title: str | None = None
    seo_description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MenuItem:
    """A link of a menu. ``resource`` names what it links to: ``collection:<handle>``, ``page:<handle>``,
    ``product:<handle>`` (resolved when the menu is read), or nothing for a plain URL."""

    title: str
    type: MenuItemType
    url: str | None = None
    resource: str | None = None
    items: tuple[MenuItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Menu:
    handle: str
    title: str
    items: tuple[MenuItem, ...] = ()


@dataclass(frozen=True, slots=True)
class CuratedCollection:
    """A collection a merchandiser put together; ``members`` are product ids or handles, in display order."""

    handle: str
    title: str
    description: str = ""
    description_html: str = ""
    image: Image | None = None
    members: tuple[str, ...] = ()
    seo_title: str | None = None
    seo_description: str | None = None
    updated_at: datetime | None = None


ContentItem = ContentPage | Menu | CuratedCollection


@dataclass(frozen=True, slots=True)
class Collection:
    """A collection as the storefront sees it: a category of the tree (its products include those of its
    subcategories) or a curated collection (its listed products). Its handle is its key: a curated collection
    hides a category of the same handle."""

    handle: str
    title: str
    description: str
    description_html: str
    image: Image | None = None
    seo_title: str | None = None
    seo_description: str | None = None
    updated_at: datetime | None = None
    category_id: str | None = None
    members: tuple[str, ...] = ()

    @classmethod
    def of_category(cls, category: Category) -> Collection:
        return cls(
            handle=category.handle,
            title=category.title,
            description=category.description,
            description_html=text_to_html(category.description),
            image=category.image,
            category_id=category.id,
        )

    @classmethod
    def of_curated(cls, curated: CuratedCollection) -> Collection:
        return cls(
            handle=curated.handle,
            title=curated.title,
            description=curated.description,
            description_html=curated.description_html or text_to_html(curated.description),
            image=curated.image,
            seo_title=curated.seo_title,
            seo_description=curated.seo_description,
            updated_at=curated.updated_at,
            members=curated.members,
        )


def kind_of(item: ContentItem) -> ContentKind:
    if isinstance(item, ContentPage):
        return ContentKind.PAGE
    if isinstance(item, Menu):
        return ContentKind.MENU
    return ContentKind.COLLECTION


def count_items(items: tuple[MenuItem, ...]) -> int:
    return sum(1 + count_items(item.items) for item in items)


def depth(items: tuple[MenuItem, ...]) -> int:
    return max((1 + depth(item.items) for item in items), default=0)
