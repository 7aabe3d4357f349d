"""The embedded recommender's model, built from the store's interaction history with ``implicit``.

``build_model(interactions, items, now)`` turns events into a shopper x product matrix of confidences (each
event's weight, ``EVENT_WEIGHTS``, halved every ``half_life_days``) and fits:

* RELATED: ``implicit``'s item-item BM25 neighbours over every shopper's events (seen and bought by the same
  people);
* FREQUENTLY_BOUGHT_TOGETHER: item-item cosine over baskets (a session's add-to-carts and purchases);
* FOR_YOU: ALS matrix factorisation (``implicit.als``) over the whole matrix, top items per known shopper,
  what they bought left out; and each shopper's category affinity (for re-ranking);
* POPULAR: time-decayed popularity, overall and per category (the same-category fallback for cold items).

The result is plain lists of ids (``Model``): serving is dictionary look-ups, and the model is stored as
rows (``recommender_store``), never pickled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from implicit.als import AlternatingLeastSquares
from implicit.nearest_neighbours import ItemItemRecommender, bm25_weight, normalize
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

from bff.domain.recommendations import EVENT_WEIGHTS, EventType, Interaction

NEIGHBOURS = 30
FOR_YOU_ITEMS = 50
HALF_LIFE_DAYS = 30.0
# How much a shopper's category affinity weighs against ALS's score in "for you" (see _for_shoppers).
AFFINITY = 0.5


@dataclass(frozen=True, slots=True)
class Item:
    """What the model needs to know of a catalog product."""

    id: str
    category_id: str | None


@dataclass(slots=True)
class Model:
    """Precomputed lists of product ids, best first."""

    related: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bought_together: dict[str, tuple[str, ...]] = field(default_factory=dict)
    for_shopper: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # shopper -> category -> share of the shopper's interest
    affinity: dict[str, dict[str, float]] = field(default_factory=dict)
    popular: tuple[str, ...] = ()
    popular_by_category: dict[str, tuple[str, ...]] = field(default_factory=dict)
    category_of: dict[str, str] = field(default_factory=dict)
    interactions: int = 0

    @property
    def trained(self) -> bool:
        return self.interactions > 0


def _confidence(event: Interaction, now: datetime, half_life_days: float) -> float:
    age_days = max((now - event.occurred_at).total_seconds(), 0.0) / 86_400
    return float(EVENT_WEIGHTS[event.event_type] * 0.5 ** (age_days / half_life_days))


def _neighbours(weighted: csr_matrix, item_ids: list[str], active: np.ndarray) -> dict[str, tuple[str, ...]]:
    """Each active item's nearest items by the dot product of ``weighted``'s columns (implicit's all-pairs
    k-nearest-neighbours). The weighting is applied here, as a CSR matrix, as implicit expects."""
    model = ItemItemRecommender(K=NEIGHBOURS + 1)
    model.fit(weighted, show_progress=False)
    found: dict[str, tuple[str, ...]] = {}
    if not len(active):
        return found
    ids, scores = model.similar_items(active, N=NEIGHBOURS + 1)
    for row, item in enumerate(active):
        similar = [item_ids[j] for j, s in zip(ids[row], scores[row], strict=True) if s > 0 and j != item]
        if similar:
            found[item_ids[item]] = tuple(similar[:NEIGHBOURS])
    return found


def build_model(
    interactions: Sequence[Interaction],
    items: Sequence[Item],
    now: datetime,
    *,
    half_life_days: float = HALF_LIFE_DAYS,
    factors: int = 32,
    seed: int = 42,
) -> Model:
    """The model of ``interactions`` over the catalog ``items`` (events on unknown products are dropped)."""
    category_of = {i.id: i.category_id for i in items if i.category_id}
    item_ids = [i.id for i in items]
    column = {item: n for n, item in enumerate(item_ids)}
    events = [e for e in interactions if e.item_id in column and EVENT_WEIGHTS[e.event_type] > 0]
    model = Model(category_of=category_of, interactions=len(events))
    if not events:
        return model
    shoppers = sorted({e.shopper for e in events})
    row = {s: n for n, s in enumerate(shoppers)}
    weights = np.array([_confidence(e, now, half_life_days) for e in events], dtype=np.float32)
    rows = np.array([row[e.shopper] for e in events])
    cols = np.array([column[e.item_id] for e in events])
    user_items = csr_matrix((weights, (rows, cols)), shape=(len(shoppers), len(item_ids)))
    user_items.sum_duplicates()

    popularity = np.asarray(user_items.sum(axis=0)).ravel()
    ranked = [int(j) for j in np.argsort(-popularity, kind="stable") if popularity[j] > 0]
    model.popular = tuple(item_ids[j] for j in ranked)
    by_category: dict[str, list[str]] = defaultdict(list)
    for j in ranked:
        category = category_of.get(item_ids[j])
        if category:
            by_category[category].append(item_ids[j])
    model.popular_by_category = {c: tuple(v) for c, v in by_category.items()}

    active = np.flatnonzero(popularity > 0)
    # implicit's defaults use every core for BLAS: one thread keeps a rebuild from starving the server.
    with threadpool_limits(1, "blas"):
        bm25 = bm25_weight(user_items.T, K1=1.2, B=0.75).T.tocsr()
        model.related = _neighbours(bm25, item_ids, active)
        model.bought_together = _baskets(events, column, item_ids)
        model.affinity = _affinity(events, category_of, now, half_life_days)
        model.for_shopper = _for_shoppers(
            user_items, shoppers, item_ids, events, model.affinity, category_of, factors, seed
        )
    return model


def _baskets(events: Sequence[Interaction], column: dict[str, int], item_ids: list[str]) -> dict[str, tuple[str, ...]]:
    bought = [e for e in events if e.event_type in (EventType.ADD_TO_CART, EventType.PURCHASE)]
    if not bought:
        return {}
    baskets = sorted({(e.shopper, e.session_id) for e in bought})
    index = {b: n for n, b in enumerate(baskets)}
    pairs = {(index[(e.shopper, e.session_id)], column[e.item_id]) for e in bought}
    rows, cols = zip(*sorted(pairs), strict=True)
    matrix = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(baskets), len(item_ids)))
    active = np.unique(np.array(cols))
    return _neighbours(normalize(matrix.T).T.tocsr(), item_ids, active)


def _for_shoppers(
    user_items: csr_matrix,
    shoppers: list[str],
    item_ids: list[str],
    events: Sequence[Interaction],
    affinity: dict[str, dict[str, float]],
    category_of: dict[str, str],
    factors: int,
    seed: int,
) -> dict[str, tuple[str, ...]]:
    """ALS's top items per shopper, blended with the shopper's category affinity.

    ALS alone leans to what is popular with everyone when a shopper has a few dozen events; its candidates
    (three times the list) are re-scored by ``ALS score / best ALS score + AFFINITY x the item's category
    share of the shopper's interest``. What the shopper bought is left out."""
    als = AlternatingLeastSquares(factors=factors, regularization=0.05, iterations=15, random_state=seed)
    # Confidence grows with the events' weight (Hu, Koren and Volinsky's 1 + alpha * r).
    als.fit((user_items * 10.0).tocsr(), show_progress=False)
    purchased: dict[str, set[int]] = defaultdict(set)
    column = {item: n for n, item in enumerate(item_ids)}
    for e in events:
        if e.event_type is EventType.PURCHASE:
            purchased[e.shopper].add(column[e.item_id])
    wanted = min(3 * FOR_YOU_ITEMS, len(item_ids))
    ids, scores = als.recommend(np.arange(len(shoppers)), user_items, N=wanted, filter_already_liked_items=False)
    found: dict[str, tuple[str, ...]] = {}
    for row, shopper in enumerate(shoppers):
        skip = purchased.get(shopper, set())
        shares = affinity.get(shopper, {})
        top_share = max(shares.values(), default=0.0) or 1.0
        best = float(scores[row][0]) if len(scores[row]) and scores[row][0] > 0 else 1.0
        candidates = [
            (
                float(score) / best + AFFINITY * shares.get(category_of.get(item_ids[j], ""), 0.0) / top_share,
                item_ids[j],
            )
            for j, score in zip(ids[row], scores[row], strict=True)
            if j >= 0 and j not in skip
        ]
        candidates.sort(key=lambda c: -c[0])
        found[shopper] = tuple(item for _, item in candidates[:FOR_YOU_ITEMS])
    return found


def _affinity(
    events: Sequence[Interaction], category_of: dict[str, str], now: datetime, half_life_days: float
) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for e in events:
        category = category_of.get(e.item_id)
        if category:
            totals[e.shopper][category] += _confidence(e, now, half_life_days)
    affinity: dict[str, dict[str, float]] = {}
    for shopper, by_category in totals.items():
        total = sum(by_category.values()) or 1.0
        affinity[shopper] = {c: w / total for c, w in by_category.items()}
    return affinity
