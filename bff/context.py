"""The per-request ``Context``: settings, backends, fresh DataLoaders and who is asking."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from bff.backends.registry import Backends
from bff.cursors import CursorCodec
from bff.domain.catalog import Product
from bff.domain.devices import DeviceType
from bff.domain.identity import Identity
from bff.services.recommend import rerank_ids
from bff.settings import Settings
from bff.state import AppState
from loaders import DataLoaders


@dataclass(slots=True)
class Context:
    settings: Settings
    backends: Backends
    loaders: DataLoaders
    cursors: CursorCodec
    # The verified caller, or None for an anonymous one (see bff/authentication.py).
    user: Identity | None = None
    request_id: str = "-"
    # The client's address (through trusted proxies), for risk screening's velocity per address.
    client_address: str | None = None
    # The device class read from the request's User-Agent (bff.domain.devices), for Personalize's context.
    device: DeviceType | None = None
    # The origin the request came to (`https://shop.example.com`), for absolute links (`Cart.checkoutUrl`).
    origin: str = ""

    @classmethod
    def new(
        cls,
        state: AppState,
        user: Identity | None,
        request_id: str,
        client_address: str | None = None,
        device: DeviceType | None = None,
        origin: str = "",
    ) -> Context:
        """The one way a request gets its context: the app's backends, fresh loaders, the caller."""
        return cls(
            settings=state.settings,
            backends=state.backends,
            loaders=DataLoaders.build(state.backends),
            cursors=state.cursors,
            user=user,
            request_id=request_id,
            client_address=client_address,
            device=device,
            origin=origin,
        )

    async def rerank(self, products: list[Product]) -> list[Product]:
        """A page of products re-ranked for the signed-in shopper when re-ranking is on (the same products,
        another order); as they are otherwise. Catalog and search pages call this, knowing nothing of how."""
        settings = self.settings
        if not settings.recommendation_rerank or self.user is None or len(products) < 2:
            return products
        configured = settings.recommender_backend == "personalize" and bool(settings.personalize_ranking_arn)
        backends = self.backends
        order = await rerank_ids(
            [p.id for p in products], self.user.subject, backends.recommender, backends.embedded_recommender, configured
        )
        by_id = {p.id: p for p in products}
        return [by_id[i] for i in order]


Info = strawberry.Info[Context, None]
