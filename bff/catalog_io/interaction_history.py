"""A believable, deterministic shopping history for the demo store, so its recommendations make sense at once.

Shoppers are personas with category affinities: three named ones (``alice@example.com`` shops apparel and
footwear, ``bob@example.com`` electronics and outdoors, ``carol@example.com`` home and beauty) and
generated ones, each with two favourite top-level categories. In each session a shopper views products
(most from a favourite category, popular products more often), adds some to the cart and buys some of those;
a product bought is often bought with its companion, a fixed product of a sibling category (a pan with its
lid, boots with their socks), which is what "frequently bought together" should find.

The same seed and catalog give the same events; times count back from ``now`` (what the model's time decay
reads), in the last 90 days.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bff.backends.catalog import CatalogReader
from bff.backends.local.issuer import LOCAL_ISSUER
from bff.backends.local.recommender_embedded import EmbeddedRecommender
from bff.domain.catalog import Category, PageRequest, Product, ProductQuery, ProductSortKey
from bff.domain.recommendations import EventType, Interaction

PERSONAS: dict[str, tuple[str, ...]] = {
    "alice@example.com": ("cat-apparel", "cat-footwear"),
    "bob@example.com": ("cat-electronics", "cat-outdoors"),
    "carol@example.com": ("cat-home", "cat-beauty"),
}
DAYS = 90


@dataclass(frozen=True, slots=True)
class _Shelves:
    by_root: dict[str, list[str]]
    companion: dict[str, str]
    roots: list[str]


def _shelves(products: Sequence[Product], categories: Sequence[Category]) -> _Shelves:
    root_of = {c.id: (c.ancestor_ids[0] if c.ancestor_ids else c.id) for c in categories}
    by_root: dict[str, list[str]] = defaultdict(list)
    by_leaf: dict[str, list[str]] = defaultdict(list)
    for product in sorted(products, key=lambda p: p.id):
        if product.category_id and product.category_id in root_of:
            by_root[root_of[product.category_id]].append(product.id)
            by_leaf[product.category_id].append(product.id)
    companion: dict[str, str] = {}
    leaves_of_root: dict[str, list[str]] = defaultdict(list)
    for leaf in sorted(by_leaf):
        leaves_of_root[root_of[leaf]].append(leaf)
    for leaves in leaves_of_root.values():
        for n, leaf in enumerate(leaves):
            sibling = by_leaf[leaves[(n + 1) % len(leaves)]]
            for k, item in enumerate(by_leaf[leaf]):
                if sibling and sibling[k % len(sibling)] != item:
                    companion[item] = sibling[k % len(sibling)]
    return _Shelves(dict(by_root), companion, sorted(by_root))


def generate_history(
    products: Sequence[Product],
    categories: Sequence[Category],
    now: datetime,
    *,
    shoppers: int | None = None,
    seed: int = 42,
    subject: Callable[[str], str] = str,
) -> list[Interaction]:
    """Events of ``shoppers`` generated shoppers (default: one per 3 products, 30-1,500) and the personas."""
    shelves = _shelves(products, categories)
    if not shelves.roots:
        return []
    count = shoppers if shoppers is not None else max(30, min(len(products) // 3, 1500))
    people: list[tuple[str, tuple[str, ...]]] = list(PERSONAS.items())
    for n in range(count):
        rng = random.Random(f"{seed}/persona/{n}")  # noqa: S311 - reproducible demo data
        favourites = tuple(rng.sample(shelves.roots, min(2, len(shelves.roots))))
        people.append((f"shopper-{n:04d}@example.com", favourites))
    events: list[Interaction] = []
    for index, (user, favourites) in enumerate(people):
        rng = random.Random(f"{seed}/shopper/{index}")  # noqa: S311 - reproducible demo data
        for session in range(rng.randint(3, 8)):
            started = now - timedelta(days=rng.uniform(0, DAYS))
            events.extend(_session(rng, shelves, subject(user), f"seed-{index}-{session}", favourites, started))
    events.sort(key=lambda e: e.occurred_at)
    return events


def _session(
    rng: random.Random, shelves: _Shelves, user: str, session_id: str, favourites: tuple[str, ...], started: datetime
) -> list[Interaction]:
    events: list[Interaction] = []
    clock = [started]

    def add(item: str, kind: EventType) -> None:
        clock[0] += timedelta(seconds=rng.randint(10, 120))
        events.append(Interaction(session_id, item, kind, clock[0], user_id=user))

    for _ in range(rng.randint(3, 8)):
        favourite = rng.random() < 0.85 or len(favourites) == len(shelves.roots)
        root = rng.choice(favourites) if favourite else rng.choice([r for r in shelves.roots if r not in favourites])
        shelf = shelves.by_root.get(root) or shelves.by_root[rng.choice(shelves.roots)]
        # Popularity falls off with a product's place on its shelf (a few bestsellers, a long tail).
        item = shelf[min(int(rng.paretovariate(1.2)) - 1, len(shelf) - 1)] if rng.random() < 0.5 else rng.choice(shelf)
        add(item, EventType.VIEW)
        if rng.random() < 0.3:
            add(item, EventType.ADD_TO_CART)
            if rng.random() < 0.6:
                add(item, EventType.PURCHASE)
                partner = shelves.companion.get(item)
                if partner and rng.random() < 0.7:
                    add(partner, EventType.VIEW)
                    add(partner, EventType.ADD_TO_CART)
                    add(partner, EventType.PURCHASE)
    return events


def local_subject(username: str) -> str:
    """The ``sub`` the embedded issuer gives ``username`` (``bff token --user alice@example.com``)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL_ISSUER}/{username}"))


async def _everything(catalog: CatalogReader) -> tuple[list[Product], list[Category]]:
    products: list[Product] = []
    after: tuple[object, str] | None = None
    while True:
        page = await catalog.list_products(ProductQuery(), ProductSortKey.ID, False, PageRequest(500, after))
        products += page.items
        if not page.has_more or not page.items:
            break
        after = page.keys[-1]
    categories: list[Category] = []
    after = None
    while True:
        listed = await catalog.list_categories(None, False, PageRequest(500, after))
        categories += listed.items
        if not listed.has_more or not listed.items:
            return products, categories
        after = listed.keys[-1]


async def seed_interactions(
    catalog: CatalogReader, recommender: EmbeddedRecommender, seed: int = 42, now: datetime | None = None
) -> int:
    """Write a generated history for the catalog's products and build the model from it, unless the store
    already has a history (then nothing: the store's own history is worth more). How many events were written."""
    if await recommender.store.last_seq() > 0:
        return 0
    products, categories = await _everything(catalog)
    events = generate_history(products, categories, now or datetime.now(UTC), seed=seed, subject=local_subject)
    await recommender.record(events)
    await recommender.rebuild()
    return len(events)
