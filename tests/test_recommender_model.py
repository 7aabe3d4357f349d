"""The embedded recommender on a scripted history: what it recommends, per intent, and from which recipe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bff.backends.local.recommender_embedded import EmbeddedRecommender
from bff.backends.local.recommender_model import Item, build_model
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.catalog_io.interaction_history import PERSONAS, generate_history, seed_interactions
from bff.domain.recommendations import EventType, Intent, Interaction, RecommendationRequest, Source

NOW = datetime(2026, 6, 1, tzinfo=UTC)
# Two categories: shoes (s1..s6) and bags (b1..b6).
ITEMS = [Item(f"s{n}", "cat-shoes") for n in range(1, 7)] + [Item(f"b{n}", "cat-bags") for n in range(1, 7)]


def _basket(shopper: int, items: list[str], when: int) -> list[Interaction]:
    at = NOW - timedelta(days=when)
    events = []
    for item in items:
        for kind in (EventType.VIEW, EventType.ADD_TO_CART, EventType.PURCHASE):
            events.append(Interaction(f"sess-{shopper}-{when}", item, kind, at, user_id=f"u{shopper}"))
    return events


def scripted_history() -> list[Interaction]:
    """s1 is always bought with b2; s1 is also viewed (not bought) alongside s3 by other shoppers."""
    events: list[Interaction] = []
    for shopper in range(12):
        events += _basket(shopper, ["s1", "b2"], when=shopper)
    for shopper in range(12, 18):
        at = NOW - timedelta(days=2)
        events += [Interaction(f"v-{shopper}", i, EventType.VIEW, at, user_id=f"u{shopper}") for i in ("s1", "s3")]
    # Popular noise so every product has some history.
    for shopper in range(18, 30):
        at = NOW - timedelta(days=3)
        for item in ("s2", "s4", "s5", "s6", "b1", "b3", "b4", "b5", "b6"):
            if (shopper + len(item) + int(item[1])) % 3 == 0:
                events.append(Interaction(f"n-{shopper}", item, EventType.VIEW, at, user_id=f"u{shopper}"))
    return events


class ModelOnly(EmbeddedRecommender):
    """The adapter's answering, on a model built here (no store, no catalog)."""

    def __init__(self) -> None:
        super().__init__(None, None)  # type: ignore[arg-type]


def recommender(history: list[Interaction]) -> ModelOnly:
    serving = ModelOnly()
    serving.model = build_model(history, ITEMS, NOW)
    return serving


@pytest.mark.parametrize("intent", [Intent.RELATED, Intent.FREQUENTLY_BOUGHT_TOGETHER])
def test_the_co_purchased_product_comes_first(intent: Intent) -> None:
    serving = recommender(scripted_history())
    answer = serving.answer(RecommendationRequest(intent, limit=4, product_id="s1", category_id="cat-shoes"))
    assert answer.source is Source.EMBEDDED_MODEL
    assert answer.item_ids[0] == "b2"
    assert "s1" not in answer.item_ids


def test_bought_together_ranks_purchases_over_views() -> None:
    serving = recommender(scripted_history())
    bought = serving.answer(RecommendationRequest(Intent.FREQUENTLY_BOUGHT_TOGETHER, 4, product_id="s1"))
    # s3 was only viewed with s1: it is related, but never in a basket with it.
    assert "s3" not in serving.model.bought_together["s1"]
    assert "s3" in serving.model.related["s1"]
    assert bought.item_ids[0] == "b2"


def test_a_brand_new_product_gets_same_category_items() -> None:
    serving = recommender(scripted_history())
    answer = serving.answer(RecommendationRequest(Intent.RELATED, 4, product_id="s-new", category_id="cat-shoes"))
    assert answer.source is Source.SAME_CATEGORY
    assert answer.item_ids and all(i.startswith("s") for i in answer.item_ids[:4])
    assert "s-new" not in answer.item_ids


def test_the_anchor_and_excluded_items_never_appear() -> None:
    serving = recommender(scripted_history())
    for intent in Intent:
        request = RecommendationRequest(intent, 10, user_id="u1", product_id="b2", exclude=frozenset({"s1"}))
        answer = serving.answer(request)
        assert "b2" not in answer.item_ids
        assert "s1" not in answer.item_ids


def test_an_untrained_model_answers_nothing_rather_than_failing() -> None:
    serving = recommender([])
    assert not serving.model.trained
    for intent in Intent:
        assert serving.answer(RecommendationRequest(intent, 4, user_id="u1", product_id="s1")).source is Source.NONE


def test_for_you_follows_a_personas_category_affinity() -> None:
    categories, records = generate_catalog(products=300, seed=3)
    products = [r.product for r in records]
    history = generate_history(products, categories, NOW, seed=3)
    model = build_model(history, [Item(p.id, p.category_id) for p in products], NOW)
    root = {c.id: (c.ancestor_ids[0] if c.ancestor_ids else c.id) for c in categories}
    category = {p.id: p.category_id for p in products}
    for persona, favourites in PERSONAS.items():
        top = model.for_shopper[persona][:10]
        in_favourites = sum(root[category[i]] in favourites for i in top)
        # Two of six top-level categories are the persona's: by chance a third of the list would be.
        assert in_favourites >= 7, (persona, [root[category[i]] for i in top])


def test_session_views_make_an_anonymous_for_you() -> None:
    serving = recommender(scripted_history())
    serving._remember(Interaction("anon-1", "s1", EventType.VIEW, NOW))
    answer = serving.answer(RecommendationRequest(Intent.FOR_YOU, 3, session_id="anon-1"))
    assert answer.source is Source.EMBEDDED_MODEL
    assert answer.item_ids[0] in serving.model.related["s1"][:2]
    popular = serving.answer(RecommendationRequest(Intent.FOR_YOU, 3, session_id="never-seen"))
    assert popular.source is Source.POPULAR


def test_the_generated_history_is_deterministic() -> None:
    categories, records = generate_catalog(products=60, seed=1)
    products = [r.product for r in records]
    first = generate_history(products, categories, NOW, seed=5)
    again = generate_history(products, categories, NOW, seed=5)
    other = generate_history(products, categories, NOW, seed=6)
    assert first == again
    assert first != other
    assert {e.event_type for e in first} == {EventType.VIEW, EventType.ADD_TO_CART, EventType.PURCHASE}


async def test_seeding_writes_history_builds_and_stores_the_model(tmp_path: Path) -> None:
    catalog = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    categories, records = generate_catalog(products=80, seed=2)
    await catalog.upsert_categories(categories)
    await catalog.upsert_products(records)
    embedded = await EmbeddedRecommender.open(tmp_path / "recommender.sqlite3", catalog)
    try:
        written = await seed_interactions(catalog, embedded, seed=2)
        assert written > 0
        assert embedded.model.trained and embedded.model.related
        assert await seed_interactions(catalog, embedded, seed=2) == 0  # a history is never overwritten
    finally:
        await embedded.close()
    # A new process serves the stored model without rebuilding.
    reopened = await EmbeddedRecommender.open(tmp_path / "recommender.sqlite3", catalog)
    try:
        assert reopened.model.related == embedded.model.related
        assert reopened.model.for_shopper == embedded.model.for_shopper
        assert reopened.built_from_seq == written
        assert not await reopened.rebuild_if_stale()
    finally:
        await reopened.close()
        await catalog.close()
