"""Recommendation lists with their products: every list a request asks for in one tick, filled by one pass of
the fallback chain (one recommender call for the embedded model; Personalize's calls issued together, see the
port), then the candidates of every list read in one catalog batch."""

from __future__ import annotations

from collections.abc import Sequence

from bff.backends.registry import Backends
from bff.domain.recommendations import RecommendationRequest
from bff.services.recommend import RecommendedProducts, recommend_products
from loaders.base import PortLoader


class RecommendationsLoader(PortLoader[RecommendationRequest, RecommendedProducts]):
    def __init__(self, backends: Backends) -> None:
        recommender, embedded, catalog = backends.recommender, backends.embedded_recommender, backends.catalog_reads

        async def fetch(requests: Sequence[RecommendationRequest]) -> list[RecommendedProducts]:
            return await recommend_products(requests, recommender, embedded, catalog)

        super().__init__(fetch)
