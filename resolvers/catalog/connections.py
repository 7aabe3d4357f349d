"""The catalog's connections: the generic ``Connection`` over products, variants and categories."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry

from resolvers.connection import Connection, Edge

if TYPE_CHECKING:
    from resolvers.catalog.types import Category, Product, ProductVariant

ProductRef = Annotated["Product", strawberry.lazy("resolvers.catalog.types")]
VariantRef = Annotated["ProductVariant", strawberry.lazy("resolvers.catalog.types")]
CategoryRef = Annotated["Category", strawberry.lazy("resolvers.catalog.types")]

ProductConnection: TypeAlias = Connection[ProductRef]
ProductEdge: TypeAlias = Edge[ProductRef]
ProductVariantConnection: TypeAlias = Connection[VariantRef]
ProductVariantEdge: TypeAlias = Edge[VariantRef]
CategoryConnection: TypeAlias = Connection[CategoryRef]
CategoryEdge: TypeAlias = Edge[CategoryRef]
