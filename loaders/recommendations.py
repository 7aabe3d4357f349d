"""Recommendation lists: every list a request asks for in one tick, filled by one pass of the fallback chain
(one recommender call for the embedded model; Personalize's calls issued together, see the port)."""

from __future__ import annotations

from collections.abc import Sequence

from bff.backends.registry import Backends
from bff.domain.recommendations import RecommendationRequest, Recommendations
from bff.services.recommend import recommend_many
from loaders.base import PortLoader


class RecommendationsLoader(PortLoader[RecommendationRequest, Recommendations]):
    def __init__(self, backends: Backends) -> None:
        recommender, embedded, catalog = backends.recommender, backends.embedded_recommender, backends.catalog_reads

        async def fetch(requests: Sequence[RecommendationRequest]) -> list[Recommendations]:
            return await recommend_many(requests, recommender, embedded, catalog)

        super().__init__(fetch)
