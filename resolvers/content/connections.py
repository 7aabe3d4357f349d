"""The connection ``Collection.products`` answers, and Shopify's sort keys for it."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.catalog.facets import Filter
from resolvers.connection import Connection

if TYPE_CHECKING:
    from resolvers.catalog.types import Product

ProductRef = Annotated["Product", strawberry.lazy("resolvers.catalog.types")]


@strawberry.enum(description="Orders a collection's products. (Shopify Storefront API)")
class ProductCollectionSortKeys(enum.Enum):
    COLLECTION_DEFAULT = strawberry.enum_value(
        "COLLECTION_DEFAULT", description="The collection's own order: a category's best sellers first."
    )
    MANUAL = strawberry.enum_value("MANUAL", description="As arranged: the same as `COLLECTION_DEFAULT`.")
    RELEVANCE = strawberry.enum_value("RELEVANCE", description="The same as `COLLECTION_DEFAULT`.")
    BEST_SELLING = strawberry.enum_value("BEST_SELLING", description="Best sellers first.")
    TITLE = strawberry.enum_value("TITLE", description="Alphabetically by title.")
    PRICE = strawberry.enum_value("PRICE", description="By lowest variant price, cheapest first.")
    CREATED = strawberry.enum_value("CREATED", description="Oldest first.")
    ID = strawberry.enum_value("ID", description="By id (stable, arbitrary).")


@strawberry.type(
    description="A page of a collection's products (Relay connection) with the filters a storefront shows."
)
class CollectionProductConnection(Connection[ProductRef]):
    facets: strawberry.Private[Callable[[], Awaitable[list[Filter]]]]

    @strawberry.field(
        description=(
            "Facets over the collection's products (availability, price, vendor, product type), each value "
            "counted with the other filters in force; its `input` is the `ProductFilter` selecting it, in "
            "Shopify's names. Empty, with a warning, while search is unavailable. (Shopify Storefront API)"
        )
    )
    async def filters(self) -> list[Filter]:
        return await self.facets()
