"""The peer: the same schema served the naive way, as a strawberry tutorial would.

strawberry's own ``strawberry.asgi.GraphQL`` app with its defaults (every request parsed and validated,
the stdlib JSON encoder, strawberry's extension machinery), and no DataLoaders: every ``load`` is its own
backend call through the same ports. The resolvers and domain objects are the BFF's, so answers match.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, Generic, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from bff.backends.registry import Backends, build_backends
from bff.context import Context
from bff.cursors import CursorCodec
from bff.domain.content import ContentKind
from bff.domain.recommendations import RecommendationRequest
from bff.services.recommend import RecommendedProducts, recommend_many
from bff.settings import Settings
from loaders import DataLoaders

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


class OneByOne(Generic[K, R]):
    """A loader in name only: one backend call per key, nothing batched, nothing remembered."""

    def __init__(self, fetch: Callable[[Sequence[K]], Awaitable[list[R]]]) -> None:
        self._fetch = fetch

    async def load(self, key: K) -> R:
        return (await self._fetch([key]))[0]

    async def load_many(self, keys: Sequence[K]) -> list[R]:
        return list(await asyncio.gather(*(self.load(k) for k in keys)))

    def prime(self, key: K, value: R, force: bool = False) -> None:
        return None

    def prime_many(self, values: Mapping[K, R], force: bool = False) -> None:
        return None


async def recommended_one_by_one(
    backends: Backends, requests: Sequence[RecommendationRequest]
) -> list[RecommendedProducts]:
    catalog = backends.catalog
    answers = await recommend_many(requests, backends.recommender, backends.embedded_recommender, catalog)
    lists = []
    for answer in answers:
        found = await asyncio.gather(*(catalog.get_products([item]) for item in answer.item_ids))
        lists.append(RecommendedProducts(answer, {p.id: p for (p,) in found if p is not None}))
    return lists


def naive_loaders(backends: Backends) -> DataLoaders:
    catalog = backends.catalog
    fetches: dict[str, Any] = {
        "product_by_id": catalog.get_products,
        "product_by_handle": catalog.get_products_by_handle,
        "variants_by_product": catalog.get_variants_by_product,
        "variant_by_id": catalog.get_variants,
        "category_by_id": catalog.get_categories,
        "category_by_handle": catalog.get_categories_by_handle,
        "child_categories": catalog.get_child_categories,
        "cart_by_id": backends.carts.get_carts,
        "page_by_handle": partial(backends.content.get_items, ContentKind.PAGE),
        "menu_by_handle": partial(backends.content.get_items, ContentKind.MENU),
        "curated_by_handle": partial(backends.content.get_items, ContentKind.COLLECTION),
        # One pass of the fallback chain per list (a batch of one), then one catalog call per candidate.
        "recommendations": partial(recommended_one_by_one, backends),
    }
    loaders = DataLoaders.build(backends)  # (loaders the scenarios never use, e.g. content, stay the BFF's)
    for name, fetch in fetches.items():
        setattr(loaders, name, OneByOne(fetch))
    return loaders


class NaiveGraphQL(GraphQL[Context, None]):
    def __init__(self, state: dict[str, Any]) -> None:
        from resolvers.schema import schema

        super().__init__(schema)
        self.state = state

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return Context(
            settings=self.state["settings"],
            backends=self.state["backends"],
            loaders=naive_loaders(self.state["backends"]),
            cursors=self.state["cursors"],
        )


def peer_app(settings: Settings | None, view: Callable[[dict[str, Any]], GraphQL[Context, None]]) -> Starlette:
    """A peer's app: ``view`` (given the state the lifespan fills: settings, backends, cursors) on /graphql."""
    settings = settings or Settings()
    state: dict[str, Any] = {"settings": settings}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with build_backends(settings) as backends:
            state["backends"] = backends
            state["cursors"] = CursorCodec(settings.cursor_secret.get_secret_value().encode())
            yield

    return Starlette(routes=[Route("/graphql", view(state))], lifespan=lifespan)


def create_peer(settings: Settings | None = None) -> Starlette:
    return peer_app(settings, NaiveGraphQL)
