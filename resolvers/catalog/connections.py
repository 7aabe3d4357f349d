"""Relay connections of catalog objects; ``totalCount`` runs its count only when selected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from bff.cursors import Position
from resolvers.common import PageInfo

if TYPE_CHECKING:
    from resolvers.catalog.types import Category, Product, ProductVariant

ProductRef = Annotated["Product", strawberry.lazy("resolvers.catalog.types")]
VariantRef = Annotated["ProductVariant", strawberry.lazy("resolvers.catalog.types")]
CategoryRef = Annotated["Category", strawberry.lazy("resolvers.catalog.types")]
Counter = Callable[[], Awaitable[int]]


@strawberry.type(description="A product and its position in a product list.")
class ProductEdge:
    node: ProductRef = strawberry.field(description="The product.")
    position: strawberry.Private[Position]

    @strawberry.field(description="Opaque position, for `after`/`before`.")
    def cursor(self) -> str:
        return self.position.cursor()


@strawberry.type(description="A page of products (Relay connection).")
class ProductConnection:
    edges: list[ProductEdge] = strawberry.field(description="The products of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    count: strawberry.Private[Counter]

    @strawberry.field(description="The products of this page, without cursors.")
    def nodes(self) -> list[ProductRef]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many products the whole list holds (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type(description="A variant and its position among its product's variants.")
class ProductVariantEdge:
    node: VariantRef = strawberry.field(description="The variant.")
    position: strawberry.Private[Position]

    @strawberry.field(description="Opaque position, for `after`/`before`.")
    def cursor(self) -> str:
        return self.position.cursor()


@strawberry.type(description="A page of a product's variants (Relay connection).")
class ProductVariantConnection:
    edges: list[ProductVariantEdge] = strawberry.field(description="The variants of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    total: strawberry.Private[int]

    @strawberry.field(description="The variants of this page, without cursors.")
    def nodes(self) -> list[VariantRef]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many variants the product has.")
    def total_count(self) -> int:
        return self.total


@strawberry.type(description="A category and its position in a category list.")
class CategoryEdge:
    node: CategoryRef = strawberry.field(description="The category.")
    position: strawberry.Private[Position]

    @strawberry.field(description="Opaque position, for `after`/`before`.")
    def cursor(self) -> str:
        return self.position.cursor()


@strawberry.type(description="A page of categories (Relay connection).")
class CategoryConnection:
    edges: list[CategoryEdge] = strawberry.field(description="The categories of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    count: strawberry.Private[Counter]

    @strawberry.field(description="The categories of this page, without cursors.")
    def nodes(self) -> list[CategoryRef]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many categories the whole list holds (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count()
