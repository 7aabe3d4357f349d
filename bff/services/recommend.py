"""Filling recommendation lists through the fallback chain, never failing a page.

For every list a request asks for (all at once: the request's DataLoader batch)::

    configured recipe   Personalize for the use cases with an ARN (one call per list, concurrently)
    -> embedded model   what Personalize could not serve or when it fails (one call for all lists)
    -> popular          the catalog's best sellers (one listing for all lists), ...
    -> same category    ... the anchor product's category first

A list a recommender filled with fewer ids than it shows (a model that knows only a few products) is topped
up from the same best sellers after its own ids, so a carousel asked for 8 never shows 3; it keeps its source.

A recommender that fails or is slow (its deadline, its breaker) adds the ``DEGRADED`` warning for the
``recommender`` capability and the next step serves; the rest of the response is unaffected.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bff import degradation
from bff.backends.catalog import CatalogReader
from bff.backends.recommender import Recommender
from bff.domain.catalog import PageRequest, Product, ProductQuery, ProductSortKey
from bff.domain.recommendations import (
    Intent,
    RecommendationRequest,
    Recommendations,
    Source,
    candidates_wanted,
)
from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.recommender")

CAPABILITY = "recommender"
# Best sellers read once per request for the lists no recommender could fill.
POPULAR_WINDOW = 100


async def _ask(recommender: Recommender, requests: Sequence[RecommendationRequest]) -> list[Recommendations]:
    """The recommender's lists, or empty ones when it is unavailable (the port has recorded the warning)."""
    try:
        return await recommender.recommend(requests)
    except ServiceUnavailable as error:
        degradation.warn(CAPABILITY, error)
        log.warning("recommender degraded, serving the next recipe: %s", error)
        return [Recommendations.empty() for _ in requests]


async def recommend_many(
    requests: Sequence[RecommendationRequest],
    recommender: Recommender,
    embedded: Recommender,
    catalog: CatalogReader,
) -> list[Recommendations]:
    """One list of candidate ids per request, in order (more than the list shows: filters come after)."""
    if not requests:
        return []
    answers = await _ask(recommender, requests)
    missing = [n for n, a in enumerate(answers) if a.source is Source.NONE]
    if missing and embedded is not recommender:
        found = await _ask(embedded, [requests[n] for n in missing])
        for n, answer in zip(missing, found, strict=True):
            answers[n] = answer
    short = [
        n
        for n, (request, answer) in enumerate(zip(requests, answers, strict=True))
        if request.intent is not Intent.RECENTLY_VIEWED and len(answer.item_ids) < request.limit
    ]
    if short:
        popular = await _best_sellers(catalog)
        for n in short:
            answers[n] = _topped_up(requests[n], answers[n], popular)
    return answers


@dataclass(frozen=True, slots=True)
class RecommendedProducts:
    """A list's candidate ids and the catalog's products for them (a candidate it no longer has is absent)."""

    answer: Recommendations
    products: Mapping[str, Product]


async def recommend_products(
    requests: Sequence[RecommendationRequest],
    recommender: Recommender,
    embedded: Recommender,
    catalog: CatalogReader,
) -> list[RecommendedProducts]:
    """``recommend_many``, then the candidates of every list read in one catalog batch (none when no list has
    any): a page's lists cost the recommender's calls and one product batch, in one round."""
    answers = await recommend_many(requests, recommender, embedded, catalog)
    ids = list(dict.fromkeys(item for answer in answers for item in answer.item_ids))
    found = {p.id: p for p in await catalog.get_products(ids) if p is not None} if ids else {}
    return [RecommendedProducts(answer, found) for answer in answers]


async def _best_sellers(catalog: CatalogReader) -> list[tuple[str, str | None]]:
    page = await catalog.list_products(
        ProductQuery(available=True), ProductSortKey.BEST_SELLING, False, PageRequest(limit=POPULAR_WINDOW)
    )
    return [(p.id, p.category_id) for p in page.items]


def _topped_up(
    request: RecommendationRequest, answer: Recommendations, popular: list[tuple[str, str | None]]
) -> Recommendations:
    """``answer``'s ids, then best sellers, those of the anchor's category first (the same-category fallback)."""
    skip = set(request.exclude) | {request.product_id} | set(answer.item_ids)
    candidates = [(item, category) for item, category in popular if item not in skip]
    same = [item for item, category in candidates if request.category_id and category == request.category_id]
    placed = set(same)
    rest = [item for item, _ in candidates if item not in placed]
    if not candidates:
        return answer
    fallback = Source.SAME_CATEGORY if same else Source.POPULAR
    ids = (answer.item_ids + tuple(same + rest))[: candidates_wanted(request)]
    return replace(answer, item_ids=ids, source=fallback if answer.source is Source.NONE else answer.source)


async def rerank_ids(
    item_ids: Sequence[str], user_id: str, recommender: Recommender, embedded: Recommender, use_configured: bool
) -> list[str]:
    """``item_ids`` re-ranked for ``user_id`` (the same ids); in their own order when ranking is unavailable."""
    ranker = recommender if use_configured else embedded
    try:
        return await ranker.rerank(user_id, item_ids)
    except ServiceUnavailable as error:
        degradation.warn(CAPABILITY, error)
        return list(item_ids)
