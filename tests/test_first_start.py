"""``bff serve --seed-if-empty`` (the container's command): the demo catalog on a fresh store, never twice,
never in production."""

from __future__ import annotations

from pathlib import Path

from bff.backends.registry import build_backends
from bff.catalog_io import demo_discounts
from bff.domain.catalog import ProductQuery
from bff.domain.search import SearchRequest
from bff.first_start import seed_if_empty
from bff.settings import Settings
from tests.conftest import make_settings


async def stored(settings: Settings) -> tuple[int, int]:
    """Products in the catalog, and documents in the search index."""
    async with build_backends(settings) as backends:
        products = await backends.catalog.count_products(ProductQuery())
        everything = await backends.search.search(SearchRequest(text=None, limit=0, with_total=True))
        return products, everything.total


async def stored_codes(settings: Settings) -> list[str]:
    """The demo discount codes that are stored."""
    async with build_backends(settings) as backends:
        found = await backends.discounts.get_discounts([r.code for r in demo_discounts()])
        return [r.code for r in found if r is not None]


async def test_an_empty_store_gets_the_demo_catalog_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)

    first = await seed_if_empty(settings, products=30)
    after_first = await stored(settings)
    second = await seed_if_empty(settings, products=50)

    assert first is not None and first.products == 30
    assert after_first == (30, 30)
    assert second is None
    assert await stored(settings) == (30, 30)
    assert await stored_codes(settings) == [r.code for r in demo_discounts()]
    async with build_backends(settings) as backends:
        # The demo store's recommendations come from a model of a generated history, not from fallbacks.
        assert backends.embedded_model.model.trained
        history = await backends.embedded_model.store.last_seq()
    await seed_if_empty(settings, products=50)
    async with build_backends(settings) as backends:
        assert await backends.embedded_model.store.last_seq() == history


async def test_production_never_gets_demo_data(tmp_path: Path) -> None:
    production = Settings(
        env="production",
        data_dir=tmp_path,
        allow_embedded_backends=True,
        allow_sandbox_payments=True,
        graphiql=False,
        cors_origins=["https://shop.example"],
        cursor_secret="a-production-cursor-secret-of-enough-length",
    )

    assert await seed_if_empty(production, products=30) is None
    assert await stored(make_settings(tmp_path)) == (0, 0)
    assert await stored_codes(make_settings(tmp_path)) == []
