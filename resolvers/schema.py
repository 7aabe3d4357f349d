"""The schema: the root ``Query`` and ``Mutation`` composed from each domain's mixins."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from resolvers.assistant.mutations import AssistantMutation
from resolvers.cart.lines import ComponentizableCartLine
from resolvers.cart.mutations import CartMutation
from resolvers.cart.queries import CartQuery
from resolvers.cart.types import Cart
from resolvers.catalog.mutations import CatalogAdminMutation
from resolvers.catalog.queries import CatalogQuery
from resolvers.catalog.types import Category, Product, ProductVariant
from resolvers.content.queries import ContentQuery
from resolvers.content.types import Collection, Page
from resolvers.identity.queries import IdentityQuery
from resolvers.node import NodeQuery
from resolvers.orders.checkout import CheckoutMutation
from resolvers.orders.mutations import OrderMutation
from resolvers.orders.queries import OrderQuery
from resolvers.orders.subscriptions import OrderSubscription
from resolvers.orders.types import Order
from resolvers.recommendations.mutations import RecommendationsMutation
from resolvers.recommendations.product_field import extend_product
from resolvers.recommendations.queries import RecommendationsQuery
from resolvers.search.queries import SearchQuery
from resolvers.storefront_context import SCALARS, in_context
from resolvers.stores.queries import StoresQuery


@strawberry.type(description="The storefront's read API: catalog, and more as capabilities land.")
class Query(
    NodeQuery,
    CatalogQuery,
    IdentityQuery,
    SearchQuery,
    CartQuery,
    StoresQuery,
    RecommendationsQuery,
    OrderQuery,
    ContentQuery,
):
    pass


@strawberry.type(description="The storefront's write API: each domain adds its mutations as a mixin.")
class Mutation(
    CatalogAdminMutation, CartMutation, AssistantMutation, RecommendationsMutation, OrderMutation, CheckoutMutation
):
    pass


# Domains add fields to the catalog's types here, so the catalog imports none of them.
extend_product(Product)


@strawberry.type(description="The storefront's live events, over WebSocket (graphql-transport-ws).")
class Subscription(OrderSubscription):
    pass


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[Product, ProductVariant, Category, Cart, Order, Collection, Page, ComponentizableCartLine],
    directives=[in_context],
    config=StrawberryConfig(auto_camel_case=True, enable_experimental_incremental_execution=True, scalar_map=SCALARS),
)


def sdl() -> str:
    """The schema as committed in ``schema.graphql``."""
    return schema.as_str() + "\n"
