"""``DelayedRecommender``: a recommender that answers ``delay`` seconds late (``BFF_RECOMMENDER_DELAY_SECONDS``).

A stand-in for a slow recommendation service in development and benchmarks (production refuses the setting):
it shows that a page waits for the recommender once, not once per list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bff.backends.recommender import Recommender
from bff.domain.recommendations import Interaction, RecommendationRequest, Recommendations


class DelayedRecommender:
    def __init__(self, inner: Recommender, delay: float) -> None:
        self.inner = inner
        self.delay = delay

    async def recommend(self, requests: Sequence[RecommendationRequest]) -> list[Recommendations]:
        await asyncio.sleep(self.delay)
        return await self.inner.recommend(requests)

    async def rerank(self, user_id: str, item_ids: Sequence[str]) -> list[str]:
        await asyncio.sleep(self.delay)
        return await self.inner.rerank(user_id, item_ids)

    async def record(self, events: Sequence[Interaction]) -> None:
        await self.inner.record(events)

    async def close(self) -> None:
        await self.inner.close()
