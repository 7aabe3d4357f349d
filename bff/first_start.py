"""A fresh deployment's first start: the demo catalog goes into an empty store, outside production.

``bff serve --seed-if-empty`` (the container image's command) calls :func:`seed_if_empty` before it serves,
so ``docker run`` shows a store with products rather than an empty one. A catalog that has any product is
left alone, and production never gets demo data. The demo discount codes are written when none of them is
stored yet, the demo pages (about, shipping, returns, privacy) when there are no pages, demo stores
(``bff.services.stores_seed``) when there are none, and a demo shopping history (with the recommendation
model built from it) when the catalog was just seeded and the recommender has none.
"""

from __future__ import annotations

from bff.catalog_io.demo_discounts import seed_discounts
from bff.catalog_io.seed import SeedReport, seed_catalog
from bff.domain.catalog import ProductQuery
from bff.settings import Settings


async def seed_if_empty(settings: Settings, products: int = 1000, seed: int = 42) -> SeedReport | None:
    """Seed the demo catalog when the store has no product and this is not production; what was seeded."""
    if settings.is_production:
        return None
    from bff.backends.registry import build_backends  # opens every backend: only when this runs

    async with build_backends(settings) as backends:
        await seed_discounts(backends.discounts, if_missing=True)
        from bff.services.content_seed import seed_demo_pages

        await seed_demo_pages(backends.content)
        store = backends.catalog
        if await store.count_products(ProductQuery()) > 0:
            return None
        report = await seed_catalog(store, products=products, seed=seed, progress=False)
        if await backends.stores.count_stores() == 0:
            from bff.services.stores_seed import DEMO_STORES, seed_demo_stores

            await seed_demo_stores(store, backends.stores, DEMO_STORES, seed=seed)
        from bff.catalog_io.interaction_history import seed_interactions

        await seed_interactions(store, backends.embedded_model, seed=seed)
        return report
