"""Shopify's storefront shapes over the content store and the category tree: ``Collection``, ``Page``,
``Menu`` and ``MenuItem``, ``Shop``. A collection's and a page's global id names its handle."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

import strawberry

from bff.context import Info
from bff.domain import content as domain
from bff.ids import to_global_id
from resolvers.catalog.inputs import ProductFilter, ReverseArg
from resolvers.common import SEO, Image, Node, accepts_instances
from resolvers.content.collection_products import collection_products
from resolvers.content.connections import CollectionProductConnection, ProductCollectionSortKeys
from resolvers.pagination import After, Before, ConnectionArgs, First, Last

SEO_DESCRIPTION_CHARS = 320


@strawberry.enum(description="Orders the collections. (Shopify Storefront API)")
class CollectionSortKeys(enum.Enum):
    ID = strawberry.enum_value("ID", description="By handle.")
    TITLE = strawberry.enum_value("TITLE", description="Alphabetically by title.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="Least recently changed first.")
    RELEVANCE = strawberry.enum_value(
        "RELEVANCE", description="The category tree's order, then the curated collections by handle."
    )


@strawberry.type(description="A collection of products: a category or a curated collection. (Shopify Storefront API)")
class Collection(Node):
    handle: str = strawberry.field(description="Unique, URL-friendly name. (Shopify Storefront API)")
    title: str = strawberry.field(description="Name shown to shoppers. (Shopify Storefront API)")
    description_html: str = strawberry.field(
        description="The description as (sanitized) HTML. (Shopify Storefront API)"
    )
    image: Image | None = strawberry.field(
        description="The collection's image, when it has one. (Shopify Storefront API)"
    )
    updated_at: datetime | None = strawberry.field(
        description=(
            "When the collection last changed; null for a category (the tree keeps no dates). (Shopify Storefront API)"
        )
    )

    is_type_of = accepts_instances(domain.Collection)

    @strawberry.field(description="Globally unique, opaque id (resolves with `node`). (Shopify Storefront API)")  # type: ignore[misc]
    @staticmethod
    def id(root: strawberry.Parent[domain.Collection]) -> strawberry.ID:
        return strawberry.ID(to_global_id("Collection", root.handle))

    @strawberry.field(
        description="The description as plain text, cut at `truncateAt` characters when given. (Shopify Storefront API)"
    )
    @staticmethod
    def description(
        root: strawberry.Parent[domain.Collection],
        truncate_at: Annotated[int | None, strawberry.argument(description="Most characters.")] = None,
    ) -> str:
        return _truncated(root.description, truncate_at)

    @strawberry.field(description="Title and description for search engines. (Shopify Storefront API)")
    @staticmethod
    def seo(root: strawberry.Parent[domain.Collection]) -> SEO:
        return SEO(
            title=root.seo_title or root.title,
            description=root.seo_description or root.description[:SEO_DESCRIPTION_CHARS] or None,
        )

    @strawberry.field(
        description=(
            "The collection's products: a category's include those of its subcategories; a curated "
            "collection's are the ones it lists (docs/content.md). (Shopify Storefront API)"
        )
    )
    @staticmethod
    async def products(
        root: strawberry.Parent[domain.Collection],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        sort_key: Annotated[
            ProductCollectionSortKeys, strawberry.argument(description="Order of the list.")
        ] = ProductCollectionSortKeys.COLLECTION_DEFAULT,
        reverse: ReverseArg = False,
        filters: Annotated[
            list[ProductFilter] | None,
            strawberry.argument(description="Narrows the list: values of one field add up, different fields narrow."),
        ] = None,
    ) -> CollectionProductConnection:
        args = ConnectionArgs(first, after, last, before)
        return await collection_products(info.context, root, args, sort_key, reverse, filters)


def _truncated(text: str, limit: int | None) -> str:
    if limit is None or limit < 1 or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


@strawberry.type(description="A page of the shop's content: about, shipping, returns... (Shopify Storefront API)")
class Page(Node):
    handle: str = strawberry.field(description="Unique, URL-friendly name. (Shopify Storefront API)")
    title: str = strawberry.field(description="Title of the page. (Shopify Storefront API)")
    created_at: datetime | None = strawberry.field(description="When the page was created. (Shopify Storefront API)")
    updated_at: datetime | None = strawberry.field(description="When the page last changed. (Shopify Storefront API)")

    is_type_of = accepts_instances(domain.ContentPage)

    @strawberry.field(description="Globally unique, opaque id (resolves with `node`). (Shopify Storefront API)")  # type: ignore[misc]
    @staticmethod
    def id(root: strawberry.Parent[domain.ContentPage]) -> strawberry.ID:
        return strawberry.ID(to_global_id("Page", root.handle))

    @strawberry.field(description="The page's content as (sanitized) HTML. (Shopify Storefront API)")
    @staticmethod
    def body(root: strawberry.Parent[domain.ContentPage]) -> str:
        return root.body_html

    @strawberry.field(description="A short summary of the page, as plain text. (Shopify Storefront API)")
    @staticmethod
    def body_summary(root: strawberry.Parent[domain.ContentPage]) -> str:
        return root.summary

    @strawberry.field(description="Title and description for search engines. (Shopify Storefront API)")
    @staticmethod
    def seo(root: strawberry.Parent[domain.ContentPage]) -> SEO:
        return SEO(title=root.seo_title or root.title, description=root.seo_description or root.summary or None)


@strawberry.enum(description="What a menu item links to, the kinds this shop has. (Shopify Storefront API)")
class MenuItemType(enum.Enum):
    FRONTPAGE = strawberry.enum_value(domain.MenuItemType.FRONTPAGE, description="The home page.")
    CATALOG = strawberry.enum_value(domain.MenuItemType.CATALOG, description="Every product.")
    COLLECTIONS = strawberry.enum_value(domain.MenuItemType.COLLECTIONS, description="The list of collections.")
    COLLECTION = strawberry.enum_value(domain.MenuItemType.COLLECTION, description="One collection.")
    PRODUCT = strawberry.enum_value(domain.MenuItemType.PRODUCT, description="One product.")
    PAGE = strawberry.enum_value(domain.MenuItemType.PAGE, description="One page.")
    SEARCH = strawberry.enum_value(domain.MenuItemType.SEARCH, description="The search page.")
    HTTP = strawberry.enum_value(domain.MenuItemType.HTTP, description="Any other address.")


@strawberry.type(description="A link of a menu, with the links nested under it. (Shopify Storefront API)")
class MenuItem:
    id: strawberry.ID = strawberry.field(
        description="Opaque id, stable while the menu is unchanged. (Shopify Storefront API)"
    )
    title: str = strawberry.field(description="Text of the link. (Shopify Storefront API)")
    url: str | None = strawberry.field(
        description="Absolute address of the link, on the shop's domain. (Shopify Storefront API)"
    )
    type: MenuItemType = strawberry.field(description="What the link leads to. (Shopify Storefront API)")
    items: list[MenuItem] = strawberry.field(description="The links nested under this one. (Shopify Storefront API)")
    tags: list[str] = strawberry.field(
        description="Tags of the linked resource (always empty here). (Shopify Storefront API)"
    )
    resource: strawberry.Private[str | None]

    @strawberry.field(
        description=(
            "Global id of the collection, page or product linked to; null for other links. (Shopify Storefront API)"
        )
    )
    async def resource_id(self, info: Info) -> strawberry.ID | None:
        if self.resource is None:
            return None
        kind, _, handle = self.resource.partition(":")
        if kind == "collection":
            return strawberry.ID(to_global_id("Collection", handle))
        if kind == "page":
            return strawberry.ID(to_global_id("Page", handle))
        product = await info.context.loaders.product_by_handle.load(handle)
        return None if product is None else strawberry.ID(to_global_id("Product", product.id))


@strawberry.type(description="A navigation menu. (Shopify Storefront API)")
class Menu:
    id: strawberry.ID = strawberry.field(description="Opaque id of the menu. (Shopify Storefront API)")
    handle: str = strawberry.field(description="Unique name, e.g. `main-menu`, `footer`. (Shopify Storefront API)")
    title: str = strawberry.field(description="Name of the menu. (Shopify Storefront API)")
    items: list[MenuItem] = strawberry.field(description="The top-level links. (Shopify Storefront API)")
    items_count: int = strawberry.field(
        description="How many links the menu holds at every level. (Shopify Storefront API)"
    )


@strawberry.type(description="A web address of the shop. (Shopify Storefront API)")
class Domain:
    url: str = strawberry.field(description="The address, e.g. `https://shop.example.com`. (Shopify Storefront API)")
    host: str = strawberry.field(description="The host name. (Shopify Storefront API)")
    ssl_enabled: bool = strawberry.field(
        description="Whether the address is served over HTTPS. (Shopify Storefront API)"
    )

    @classmethod
    def of(cls, url: str) -> Domain:
        parts = urlsplit(url)
        return cls(url=url.rstrip("/"), host=parts.hostname or "", ssl_enabled=parts.scheme == "https")


@strawberry.type(description="An image in the shop's media. (Shopify Storefront API)")
class MediaImage:
    id: strawberry.ID = strawberry.field(description="Opaque id of the media. (Shopify Storefront API)")
    alt: str | None = strawberry.field(
        description="Text alternative for assistive technology. (Shopify Storefront API)"
    )
    image: Image | None = strawberry.field(description="The image. (Shopify Storefront API)")


@strawberry.type(description="The shop's brand assets. (Shopify Storefront API)")
class Brand:
    logo: MediaImage | None = strawberry.field(
        description="The shop's logo, when one is configured. (Shopify Storefront API)"
    )
    short_description: str | None = strawberry.field(
        description="A short description of the brand. (Shopify Storefront API)"
    )
    slogan: str | None = strawberry.field(description="The brand's slogan. (Shopify Storefront API)")


@strawberry.type(description="The shop itself. (Shopify Storefront API)")
class Shop:
    id: strawberry.ID = strawberry.field(description="Opaque id of the shop. (Shopify Storefront API)")
    name: str = strawberry.field(description="The shop's name. (Shopify Storefront API)")
    description: str | None = strawberry.field(description="A short description of the shop. (Shopify Storefront API)")
    primary_domain: Domain = strawberry.field(description="The storefront's own address. (Shopify Storefront API)")
    brand: Brand | None = strawberry.field(
        description="The shop's brand assets (its logo when configured). (Shopify Storefront API)"
    )
