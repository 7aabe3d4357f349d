"""The ``Recommender`` port: lists of product ids per intent, re-ranking, and shoppers' interactions.

Two adapters: Amazon Personalize (``bff.backends.personalize``) and the embedded model
(``bff.backends.local.recommender_embedded``). The capability is optional: a recommender that fails or is
slow degrades its field to the fallback chain (``bff.services.recommend``), never the page.

``recommend`` takes every list a request asks for at once (the DataLoader's batch): the embedded model
answers them in one call; Personalize issues one ``GetRecommendations`` per list, concurrently, under a cap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bff.backends.ports import PortSpec
from bff.domain.recommendations import Interaction, RecommendationRequest, Recommendations


class Recommender(Protocol):
    async def recommend(self, requests: Sequence[RecommendationRequest]) -> list[Recommendations]:
        """One list per request, in order; a list the recipe cannot fill is empty (``Source.NONE``)."""

    async def rerank(self, user_id: str, item_ids: Sequence[str]) -> list[str]:
        """``item_ids`` in the order this shopper is likeliest to want them (the same set)."""

    async def record(self, events: Sequence[Interaction]) -> None:
        """Remember interactions (Personalize: ``PutEvents``; embedded: the interaction store)."""

    async def close(self) -> None: ...


RECOMMENDER: PortSpec[Recommender] = PortSpec(
    Recommender, "recommender", idempotent=("recommend", "rerank"), optional=True
)
