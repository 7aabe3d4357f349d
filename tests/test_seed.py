"""The demo catalog generator and ``seed_catalog`` against the real SQLite store."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from math import prod
from pathlib import Path

import pytest

from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog, seed_catalog
from bff.catalog_io.demo_catalog import BASE_TIME
from bff.catalog_io.slugs import is_handle
from bff.domain.catalog import Category, PageRequest, ProductQuery, ProductRecord, ProductSortKey


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteCatalogStore]:
    opened = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    yield opened
    await opened.close()


async def all_products(store: SqliteCatalogStore) -> list[str]:
    page = await store.list_products(ProductQuery(), ProductSortKey.ID, False, PageRequest(limit=10_000))
    return [p.handle for p in page.items]


@pytest.mark.asyncio
async def test_same_seed_generates_identical_catalog() -> None:
    first = generate_catalog(products=300, seed=11)
    second = generate_catalog(products=300, seed=11)

    assert first == second


@pytest.mark.asyncio
async def test_different_seed_generates_different_products() -> None:
    _, a = generate_catalog(products=200, seed=1)
    _, b = generate_catalog(products=200, seed=2)

    titles_a = [r.product.title for r in a]
    titles_b = [r.product.title for r in b]
    assert sum(x != y for x, y in zip(titles_a, titles_b, strict=True)) > 150
    assert [r.product.id for r in a] == [r.product.id for r in b]  # ids are positional, stable across seeds


@pytest.mark.asyncio
async def test_smaller_catalog_is_a_prefix_of_a_larger_one() -> None:
    _, small = generate_catalog(products=50, seed=5)
    _, large = generate_catalog(products=400, seed=5)

    def unranked(record: ProductRecord) -> ProductRecord:
        tags = tuple(t for t in record.product.tags if t != "bestseller")
        return replace(record, product=replace(record.product, sales_rank=0, tags=tags))

    assert [unranked(r) for r in small] == [unranked(r) for r in large[:50]]


@pytest.mark.asyncio
async def test_category_tree_has_six_roots_and_two_levels_below() -> None:
    categories, records = generate_catalog(products=400, seed=3)

    by_id = {c.id: c for c in categories}
    roots = [c.title for c in categories if c.parent_id is None]
    assert roots == ["Apparel", "Footwear", "Home", "Electronics", "Outdoors", "Beauty"]
    assert 30 <= len(categories) <= 40
    assert len({c.handle for c in categories}) == len(categories)
    assert all(is_handle(c.handle) for c in categories)
    for category in categories:
        assert category.parent_id is None or category.parent_id in by_id
        assert len(category.ancestor_ids) <= 2
        assert list(category.ancestor_ids) == _chain(by_id, category.id)
    assert max(len(c.ancestor_ids) for c in categories) == 2
    siblings = Counter((c.parent_id, c.position) for c in categories)
    assert max(siblings.values()) == 1
    parents = {c.parent_id for c in categories}
    used = {r.product.category_id for r in records}
    assert used <= set(by_id) - parents  # products live in leaves only
    assert len(used) >= 20


def _chain(by_id: dict[str, Category], category_id: str) -> list[str]:
    chain: list[str] = []
    parent = by_id[category_id].parent_id
    while parent is not None:
        chain.insert(0, parent)
        parent = by_id[parent].parent_id
    return chain


@pytest.mark.asyncio
async def test_generated_products_look_like_a_storefront_catalog() -> None:
    _, records = generate_catalog(products=1000, seed=42)

    products = [r.product for r in records]
    variants = [v for r in records for v in r.variants]
    assert len(records) == 1000
    assert len({p.id for p in products}) == 1000
    assert len({p.handle for p in products}) == 1000 and all(is_handle(p.handle) for p in products)
    assert len({v.sku for v in variants}) == len(variants)
    assert len({v.id for v in variants}) == len(variants)
    assert sorted(p.sales_rank for p in products) == list(range(1, 1001))
    assert sum("bestseller" in p.tags for p in products) == 50
    assert len({p.vendor for p in products}) >= 15 and len({p.product_type for p in products}) >= 15
    for record in records:
        product = record.product
        assert len(product.title.split()) >= 3 and product.description.startswith(product.title)
        assert 1 <= len(product.images) <= 4
        assert all(i.url.startswith("/images/demo/") and i.alt_text and i.width and i.height for i in product.images)
        assert 1 <= len(record.variants) <= 12
        assert len(record.variants) == prod(len(o.values) for o in product.options)
        combos = {tuple((s.name, s.value) for s in v.selected_options) for v in record.variants}
        assert len(combos) == len(record.variants)
        for variant in record.variants:
            assert [s.name for s in variant.selected_options] == [o.name for o in product.options]
            assert variant.product_id == product.id and variant.price.currency_code == "USD"
        assert product.created_at is not None and product.updated_at is not None
        assert product.created_at <= product.updated_at <= BASE_TIME
    prices = [v.price.amount for v in variants]
    assert all(p == p.quantize(Decimal("0.01")) and p.as_tuple().exponent == -2 for p in prices)
    assert Decimal("9.99") <= min(prices) and max(prices) <= Decimal("499.99")
    on_sale = [v for v in variants if v.compare_at_price is not None]
    assert 0.1 < len(on_sale) / len(variants) < 0.35
    assert all(v.compare_at_price is not None and v.compare_at_price.amount > v.price.amount for v in on_sale)
    sold_out = [r for r in records if all(v.quantity_available == 0 for v in r.variants)]
    assert 30 < len(sold_out) < 200
    assert all(v.quantity_available >= 0 for v in variants)


@pytest.mark.asyncio
async def test_seed_catalog_writes_categories_then_products(store: SqliteCatalogStore) -> None:
    report = await seed_catalog(store, products=150, seed=9, progress=False)

    categories, records = generate_catalog(products=150, seed=9)
    assert (report.products, report.created, report.updated) == (150, 150, 0)
    assert report.variants == sum(len(r.variants) for r in records)
    assert await store.count_products(ProductQuery()) == 150
    assert await store.count_categories(None, False) == len(categories)
    assert await store.get_categories([c.id for c in categories]) == categories
    stored = await store.get_products([r.product.id for r in records])
    stored_variants = await store.get_variants_by_product([r.product.id for r in records])
    for record, product, variants in zip(records, stored, stored_variants, strict=True):
        assert product is not None
        assert (
            replace(
                product,
                min_price=None,
                max_price=None,
                min_compare_at_price=None,
                max_compare_at_price=None,
                available=False,
                version=0,
            )
            == record.product
        )
        assert variants == list(record.variants)
        assert product.min_price is not None
        assert product.min_price.amount == min(v.price.amount for v in record.variants)
        assert product.available == any(v.quantity_available > 0 for v in record.variants)
        assert sum(v.quantity_available for v in variants) == sum(v.quantity_available for v in record.variants)
    apparel = await store.count_products(ProductQuery(category_id="cat-apparel"))
    assert apparel == sum(
        r.product.category_id in {"cat-mens-shirts", "cat-mens-jackets", "cat-womens-dresses", "cat-womens-tops"}
        for r in records
    )


@pytest.mark.asyncio
async def test_reseeding_with_the_same_seed_replaces_rows_in_place(store: SqliteCatalogStore) -> None:
    await seed_catalog(store, products=120, seed=4, progress=False)
    before = await all_products(store)

    again = await seed_catalog(store, products=120, seed=4, progress=False)

    assert (again.created, again.updated) == (0, 120)
    assert await store.count_products(ProductQuery()) == 120
    assert await all_products(store) == before


@pytest.mark.asyncio
async def test_seeding_another_seed_over_a_catalog_keeps_handles_unique(store: SqliteCatalogStore) -> None:
    await seed_catalog(store, products=200, seed=1, progress=False)

    report = await seed_catalog(store, products=260, seed=2, progress=False)

    handles = await all_products(store)
    assert (report.created, report.updated) == (60, 200)
    assert len(handles) == 260 and len(set(handles)) == 260
    _, records = generate_catalog(products=260, seed=2)
    (stored,) = await store.get_products([records[0].product.id])
    assert stored is not None and stored.title == records[0].product.title


@pytest.mark.asyncio
async def test_negative_product_count_is_refused() -> None:
    with pytest.raises(ValueError, match="products"):
        generate_catalog(products=-1)
