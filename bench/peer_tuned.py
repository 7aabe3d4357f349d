"""The tuned peer: the same schema served the way strawberry's documentation tunes it.

strawberry's ``strawberry.asgi.GraphQL`` app over the BFF's schema types with strawberry's own parser and
validation caches (``ParserCache``, ``ValidationCache``: a document is parsed and validated once),
strawberry's ``DataLoader`` per request for every by-key read (the keys of one tick in one backend call,
through the same ports and the same shared-cache reads as the BFF's loaders) and an orjson response. What
it lacks against the BFF: compiled execution plans, the whole-response cache, the BFF's own middleware.
The resolvers and domain objects are the BFF's, so answers match.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader
from strawberry.extensions import ParserCache, ValidationCache

from bench.peer import peer_app
from bff.backends.registry import Backends
from bff.context import Context
from bff.domain.recommendations import RecommendationRequest
from bff.services.recommend import RecommendedProducts, recommend_products
from bff.settings import Settings
from loaders import DataLoaders


def tuned_schema() -> strawberry.Schema:
    """The BFF's schema types, with strawberry's document caches as schema extensions."""
    from resolvers import schema as bff
    from resolvers.cart.types import Cart
    from resolvers.catalog.types import Category, Product, ProductVariant
    from resolvers.orders.types import Order

    return strawberry.Schema(
        query=bff.Query,
        mutation=bff.Mutation,
        types=[Product, ProductVariant, Category, Cart, Order],
        config=bff.schema.config,
        # Instances, as strawberry's documentation passes them (its annotation names only classes and factories).
        extensions=[ParserCache(maxsize=256), ValidationCache(maxsize=256)],  # type: ignore[list-item]
    )


def strawberry_loaders(backends: Backends) -> DataLoaders:
    """strawberry's DataLoader for each of the BFF's loaders, over the same port calls."""
    catalog = backends.catalog_reads

    async def recommendations(requests: Sequence[RecommendationRequest]) -> list[RecommendedProducts]:
        return await recommend_products(requests, backends.recommender, backends.embedded_recommender, catalog)

    fetches: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "product_by_id": catalog.get_products,
        "product_by_handle": catalog.get_products_by_handle,
        "variants_by_product": catalog.get_variants_by_product,
        "variant_by_id": catalog.get_variants,
        "category_by_id": catalog.get_categories,
        "category_by_handle": catalog.get_categories_by_handle,
        "child_categories": catalog.get_child_categories,
        "cart_by_id": backends.carts.get_carts,
        "recommendations": recommendations,
    }
    loaders = DataLoaders.build(backends)  # (loaders the scenarios never use, e.g. content, stay the BFF's)
    for name, fetch in fetches.items():
        setattr(loaders, name, DataLoader(load_fn=fetch))
    return loaders


class TunedGraphQL(GraphQL[Context, None]):
    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__(tuned_schema())
        self.state = state

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return Context(
            settings=self.state["settings"],
            backends=self.state["backends"],
            loaders=strawberry_loaders(self.state["backends"]),
            cursors=self.state["cursors"],
        )


def create_tuned_peer(settings: Settings | None = None) -> Starlette:
    return peer_app(settings, TunedGraphQL)
