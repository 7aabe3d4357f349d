"""The schema: the root ``Query`` composed from each domain's mixin."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from resolvers.catalog.queries import CatalogQuery
from resolvers.catalog.types import Category, Product, ProductVariant
from resolvers.node import NodeQuery


@strawberry.type(description="The storefront's read API: catalog, and more as capabilities land.")
class Query(NodeQuery, CatalogQuery):
    pass


schema = strawberry.Schema(
    query=Query,
    types=[Product, ProductVariant, Category],
    config=StrawberryConfig(auto_camel_case=True),
)


def sdl() -> str:
    """The schema as committed in ``schema.graphql``."""
    return schema.as_str() + "\n"
