"""``EmbeddedRecommender``: recommendations from the store's own history, with no cloud account.

Serving reads the last model built (``recommender_model``; loaded from the SQLite file at start) and the
shoppers' recent views (kept in memory, bounded, warmed from the file). Rebuilds read the whole history and
the catalog and fit in a worker thread: ``bff recommender rebuild``, at start when the file has history but
no model, and while serving every ``interval`` seconds when new interactions arrived.

Per intent (the list is filled from the next recipe when one runs short; ``source`` names the first):

    FOR_YOU                     ALS top items of a known shopper; else neighbours of the session's recent
                                views; else popular
    RELATED                     BM25 item-item neighbours; else popular in the product's category
    FREQUENTLY_BOUGHT_TOGETHER  basket cosine neighbours; then related; then the product's category
    POPULAR                     time-decayed popularity
    RECENTLY_VIEWED             the shopper's own views, newest first
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bff.backends.catalog import CatalogReader
from bff.backends.local.recommender_model import Item, Model, build_model
from bff.backends.local.recommender_store import InteractionStore
from bff.domain.catalog import PageRequest, ProductQuery, ProductSortKey
from bff.domain.recommendations import (
    EventType,
    Intent,
    Interaction,
    RecommendationRequest,
    Recommendations,
    Source,
    candidates_wanted,
)

log = logging.getLogger("bff.recommender")

RECENT_PER_SHOPPER = 20
MAX_SHOPPERS_REMEMBERED = 50_000
CATALOG_PAGE = 500


class EmbeddedRecommender:
    def __init__(self, store: InteractionStore, catalog: CatalogReader) -> None:
        self.store = store
        self.catalog = catalog
        self.model = Model()
        self.built_from_seq = 0
        self.recent: OrderedDict[str, deque[str]] = OrderedDict()
        self._schedule: asyncio.Task[None] | None = None
        self._rebuilding = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, catalog: CatalogReader, rebuild_interval: float = 0) -> EmbeddedRecommender:
        store = await InteractionStore.open(path)
        self = cls(store, catalog)
        loaded = await store.load_model()
        if loaded is not None:
            self.model, self.built_from_seq = loaded
        for event in await store.recent(MAX_SHOPPERS_REMEMBERED):
            self._remember(event)
        if loaded is None and await store.last_seq() > 0:
            await self.rebuild()
        if rebuild_interval > 0:
            self._schedule = asyncio.create_task(self._rebuild_every(rebuild_interval), name="recommender-rebuild")
        return self

    # --- the port ---------------------------------------------------------------------------------------

    async def recommend(self, requests: Sequence[RecommendationRequest]) -> list[Recommendations]:
        return [self.answer(r) for r in requests]

    async def rerank(self, user_id: str, item_ids: Sequence[str]) -> list[str]:
        model = self.model
        personal = model.for_shopper.get(user_id, ())
        position = {item: n for n, item in enumerate(personal)}
        affinity = model.affinity.get(user_id, {})
        popular = {item: n for n, item in enumerate(model.popular)}

        def score(item: str) -> float:
            value = affinity.get(model.category_of.get(item, ""), 0.0)
            if item in position:
                value += 2.0 * (len(personal) - position[item]) / len(personal)
            return value + 0.1 / (1 + popular.get(item, len(popular)))

        return sorted(item_ids, key=score, reverse=True)

    async def record(self, events: Sequence[Interaction]) -> None:
        await self.store.append(events)
        for event in events:
            self._remember(event)

    async def close(self) -> None:
        if self._schedule is not None:
            self._schedule.cancel()
            await asyncio.gather(self._schedule, return_exceptions=True)
        await self.store.close()

    # --- the model --------------------------------------------------------------------------------------

    async def rebuild(self) -> Model:
        """Fit a new model on the whole history and the catalog, store it, and serve it from now on."""
        async with self._rebuilding:
            seq = await self.store.last_seq()
            history = await self.store.history()
            items = await self._catalog_items()
            model = await asyncio.to_thread(build_model, history, items, datetime.now(UTC))
            await self.store.save_model(model, seq)
            self.model, self.built_from_seq = model, seq
            return model

    async def rebuild_if_stale(self) -> bool:
        if await self.store.last_seq() == self.built_from_seq:
            return False
        await self.rebuild()
        return True

    async def _rebuild_every(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.rebuild_if_stale()
            except Exception:  # the last model keeps serving; the next tick tries again
                log.exception("rebuilding the recommendation model failed")

    async def _catalog_items(self) -> list[Item]:
        items: list[Item] = []
        after: tuple[object, str] | None = None
        while True:
            request = PageRequest(limit=CATALOG_PAGE, after=after)
            page = await self.catalog.list_products(ProductQuery(), ProductSortKey.ID, False, request)
            items.extend(Item(p.id, p.category_id) for p in page.items)
            if not page.has_more or not page.items:
                return items
            after = page.keys[-1]

    def _remember(self, event: Interaction) -> None:
        if event.event_type is not EventType.VIEW:
            return
        for shopper in {event.shopper, f"session:{event.session_id}"}:
            views = self.recent.get(shopper)
            if views is None:
                views = self.recent[shopper] = deque(maxlen=RECENT_PER_SHOPPER)
                if len(self.recent) > MAX_SHOPPERS_REMEMBERED:
                    self.recent.popitem(last=False)
            else:
                self.recent.move_to_end(shopper)
            if event.item_id in views:
                views.remove(event.item_id)
            views.append(event.item_id)

    # --- answering --------------------------------------------------------------------------------------

    def answer(self, request: RecommendationRequest) -> Recommendations:
        model = self.model
        anchor = request.product_id
        category = request.category_id or (model.category_of.get(anchor) if anchor else None)
        same_category = model.popular_by_category.get(category, ()) if category else ()
        views = tuple(reversed(self.recent.get(request.shopper or "", ())))
        recipes: list[tuple[Source, Iterable[str]]]
        if request.intent is Intent.RECENTLY_VIEWED:
            recipes = [(Source.HISTORY, views)]
        elif request.intent is Intent.POPULAR:
            recipes = [(Source.POPULAR, model.popular)]
        elif request.intent is Intent.FOR_YOU:
            personal = model.for_shopper.get(request.shopper or "", ())
            from_views = _interleave(model.related.get(v, ()) for v in views)
            recipes = [
                (Source.EMBEDDED_MODEL, personal),
                (Source.EMBEDDED_MODEL, from_views),
                (Source.POPULAR, model.popular),
            ]
        else:
            related = model.related.get(anchor or "", ())
            recipes = [(Source.EMBEDDED_MODEL, related), (Source.SAME_CATEGORY, same_category)]
            if request.intent is Intent.FREQUENTLY_BOUGHT_TOGETHER:
                recipes.insert(0, (Source.EMBEDDED_MODEL, model.bought_together.get(anchor or "", ())))
        return _fill(request, recipes)


def _interleave(lists: Iterable[Sequence[str]]) -> list[str]:
    """Round-robin over ``lists`` (the neighbours of each recent view, newest view first)."""
    pending = [list(items) for items in lists if items]
    merged: list[str] = []
    for rank in range(max((len(p) for p in pending), default=0)):
        merged.extend(p[rank] for p in pending if rank < len(p))
    return merged


def _fill(request: RecommendationRequest, recipes: Sequence[tuple[Source, Iterable[str]]]) -> Recommendations:
    wanted = candidates_wanted(request)
    skip = set(request.exclude)
    if request.product_id:
        skip.add(request.product_id)
    chosen: list[str] = []
    source = Source.NONE
    for recipe, items in recipes:
        for item in items:
            if len(chosen) == wanted:
                break
            if item in skip:
                continue
            skip.add(item)
            chosen.append(item)
            if source is Source.NONE:
                source = recipe
    return Recommendations(tuple(chosen), source)
