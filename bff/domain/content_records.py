"""Content items to and from their stored (and feed) form: plain dicts with camelCase keys and a ``type``.

``content_from_dict`` checks what a feed may get wrong (handles, lengths, menu sizes, members) and raises
``ValueError`` with the reason; the stores write exactly what ``content_to_dict`` gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bff.domain.catalog import Image
from bff.domain.content import (
    MAX_BODY_CHARS,
    MAX_COLLECTION_MEMBERS,
    MAX_HANDLE,
    MAX_MENU_DEPTH,
    MAX_MENU_ITEMS,
    MAX_TITLE,
    ContentItem,
    ContentKind,
    ContentPage,
    CuratedCollection,
    Menu,
    MenuItem,
    MenuItemType,
    count_items,
    depth,
    kind_of,
    valid_handle,
)
from bff.domain.safe_html import sanitize_html

RESOURCE_KINDS = ("collection", "page", "product")


def _text(record: Mapping[str, Any], key: str, limit: int = MAX_TITLE, required: bool = False) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise ValueError(f"`{key}` is required")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"`{key}` must be text")
    if len(value) > limit:
        raise ValueError(f"`{key}` is longer than {limit} characters")
    return value


def _optional(record: Mapping[str, Any], key: str, limit: int = MAX_TITLE) -> str | None:
    return _text(record, key, limit) or None


def _handle(value: object, what: str = "handle") -> str:
    if not isinstance(value, str) or not valid_handle(value):
        raise ValueError(
            f"`{what}` must be 1-{MAX_HANDLE} characters of lower-case letters, digits, '-', '_' or '.', "
            "starting with a letter or digit"
        )
    return value


def _when(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("dates are ISO 8601 text")
    return datetime.fromisoformat(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _menu_item(record: object) -> MenuItem:
    if not isinstance(record, Mapping):
        raise ValueError("a menu item is an object")
    try:
        kind = MenuItemType(record.get("type", "HTTP"))
    except ValueError:
        raise ValueError(f"menu item type must be one of {[t.value for t in MenuItemType]}") from None
    resource = record.get("resource")
    if resource is not None:
        prefix, _, handle = str(resource).partition(":")
        if prefix not in RESOURCE_KINDS:
            raise ValueError(f"`resource` is `<{'|'.join(RESOURCE_KINDS)}>:<handle>`")
        _handle(handle, "resource")
    url = _optional(record, "url", 2048)
    if url is not None and not url.startswith(("/", "https://", "http://", "mailto:")):
        raise ValueError("a menu item's `url` is a path (`/...`) or an http(s) or mailto address")
    if url is None and resource is None and kind is MenuItemType.HTTP:
        raise ValueError("a link menu item needs a `url`")
    children = record.get("items") or []
    if not isinstance(children, list):
        raise ValueError("`items` is a list")
    return MenuItem(
        title=_text(record, "title", required=True),
        type=kind,
        url=url,
        resource=resource,
        items=tuple(_menu_item(child) for child in children),
    )


def _members(record: Mapping[str, Any]) -> tuple[str, ...]:
    members = record.get("products") or []
    if not isinstance(members, list) or not all(isinstance(m, str) and 0 < len(m) <= MAX_HANDLE for m in members):
        raise ValueError("`products` is a list of product ids or handles")
    unique = tuple(dict.fromkeys(members))
    if len(unique) > MAX_COLLECTION_MEMBERS:
        raise ValueError(f"a curated collection lists at most {MAX_COLLECTION_MEMBERS} products")
    return unique


def _image(record: object) -> Image | None:
    if record is None:
        return None
    if not isinstance(record, Mapping) or not isinstance(record.get("url"), str):
        raise ValueError("`image` is an object with a `url`")
    return Image(record["url"], record.get("altText"), record.get("width"), record.get("height"))


def content_from_dict(record: Mapping[str, Any]) -> ContentItem:
    try:
        kind = ContentKind(record.get("type"))
    except ValueError:
        raise ValueError(f"`type` must be one of {[k.value for k in ContentKind]}") from None
    handle = _handle(record.get("handle"))
    title = _text(record, "title", required=True)
    if kind is ContentKind.PAGE:
        return ContentPage(
            handle=handle,
            title=title,
            body_html=sanitize_html(_text(record, "bodyHtml", MAX_BODY_CHARS)),
            summary=_text(record, "summary", 1000),
            seo_title=_optional(record, "seoTitle"),
            seo_description=_optional(record, "seoDescription", 1000),
            created_at=_when(record.get("createdAt")),
            updated_at=_when(record.get("updatedAt")),
        )
    if kind is ContentKind.MENU:
        items = record.get("items") or []
        if not isinstance(items, list):
            raise ValueError("`items` is a list")
        menu = Menu(handle, title, tuple(_menu_item(item) for item in items))
        if count_items(menu.items) > MAX_MENU_ITEMS or depth(menu.items) > MAX_MENU_DEPTH:
            raise ValueError(f"a menu has at most {MAX_MENU_ITEMS} items, {MAX_MENU_DEPTH} levels deep")
        return menu
    return CuratedCollection(
        handle=handle,
        title=title,
        description=_text(record, "description", MAX_BODY_CHARS),
        description_html=sanitize_html(_text(record, "descriptionHtml", MAX_BODY_CHARS)),
        image=_image(record.get("image")),
        members=_members(record),
        seo_title=_optional(record, "seoTitle"),
        seo_description=_optional(record, "seoDescription", 1000),
        updated_at=_when(record.get("updatedAt")),
    )


def _menu_item_dict(item: MenuItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "type": item.type.value,
        "url": item.url,
        "resource": item.resource,
        "items": [_menu_item_dict(child) for child in item.items],
    }


def content_to_dict(item: ContentItem) -> dict[str, Any]:
    base = {"type": kind_of(item).value, "handle": item.handle, "title": item.title}
    if isinstance(item, ContentPage):
        return {
            **base,
            "bodyHtml": item.body_html,
            "summary": item.summary,
            "seoTitle": item.seo_title,
            "seoDescription": item.seo_description,
            "createdAt": _iso(item.created_at),
            "updatedAt": _iso(item.updated_at),
        }
    if isinstance(item, Menu):
        return {**base, "items": [_menu_item_dict(child) for child in item.items]}
    image = item.image
    return {
        **base,
        "description": item.description,
        "descriptionHtml": item.description_html,
        "image": None
        if image is None
        else {"url": image.url, "altText": image.alt_text, "width": image.width, "height": image.height},
        "products": list(item.members),
        "seoTitle": item.seo_title,
        "seoDescription": item.seo_description,
        "updatedAt": _iso(item.updated_at),
    }
