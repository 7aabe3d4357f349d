"""Embedded catalog listings read in an index's order: the same pages as sorting every match, and a category
page's work that does not grow with the catalog."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bff.backends.local import sqlite_listing
from bff.backends.local.sqlite_catalog import SORT_COLUMNS, SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.domain.catalog import PageRequest, ProductQuery, ProductSortKey


async def seeded(path: Path, products: int) -> SqliteCatalogStore:
    store = await SqliteCatalogStore.open(path)
    categories, records = generate_catalog(products=products, seed=5)
    await store.upsert_categories(categories)
    for i in range(0, len(records), 500):
        await store.upsert_products(records[i : i + 500])
    return store


@pytest.fixture(scope="module")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SqliteCatalogStore]:
    opened = await seeded(tmp_path_factory.mktemp("listing") / "catalog.sqlite3", 400)
    yield opened
    await opened.close()


def _rows(store: SqliteCatalogStore, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
    return store._lookups.execute(sql, args).fetchall()


def queries(store: SqliteCatalogStore) -> list[ProductQuery]:
    """Every kind of category (a root, a branch, a leaf, one without products, none) with every kind of filter."""
    root, branch, leaf = (
        _rows(store, f"SELECT id FROM categories WHERE {test} ORDER BY id LIMIT 1")[0][0]
        for test in (
            "parent_id IS NULL",
            "parent_id IS NOT NULL AND id IN (SELECT parent_id FROM categories)",
            "id IN (SELECT category_id FROM products)",
        )
    )
    vendor, tag = _rows(store, "SELECT vendor, json_extract(tags, '$[0]') FROM products ORDER BY id LIMIT 1")[0]
    found: list[ProductQuery] = []
    for category in (None, root, branch, leaf, "no-such-category"):
        found += [
            ProductQuery(category_id=category),
            ProductQuery(category_id=category, available=True),
            ProductQuery(category_id=category, min_price=Decimal(40), max_price=Decimal("120.50")),
            ProductQuery(category_id=category, vendors=(vendor,), available=False),
            ProductQuery(category_id=category, tags=(tag,)),
        ]
    return found


def sorted_ids(store: SqliteCatalogStore, q: ProductQuery, column: str, descending: bool) -> list[str]:
    """The oracle: every match, sorted by SQLite (the subtree from the categories' paths)."""
    where, args = sqlite_listing.filters(q)
    if q.category_id is not None:
        where.insert(0, f"category_id IN ({sqlite_listing.SUBTREE})")
        args.insert(0, q.category_id)
    direction = "DESC" if descending else "ASC"
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    sql = f"SELECT id FROM products{clause} ORDER BY {column} {direction}, id {direction}"
    return [r[0] for r in _rows(store, sql, tuple(args))]


async def walk(store: SqliteCatalogStore, q: ProductQuery, sort: ProductSortKey, reverse: bool) -> list[str]:
    """Every page of 7 forward, then (checked on the way) the page before each page from its first key."""
    ids: list[str] = []
    pages = []
    after = None
    while True:
        page = await store.list_products(q, sort, reverse, PageRequest(7, after=after))
        ids += [p.id for p in page.items]
        pages.append(page)
        if not page.has_more:
            break
        after = page.keys[-1]
    for before, page in itertools.pairwise(pages):
        back = await store.list_products(q, sort, reverse, PageRequest(7, after=page.keys[0], backward=True))
        assert [p.id for p in back.items] == [p.id for p in before.items]
        assert back.keys == before.keys
    return ids


@pytest.mark.parametrize("merged", [sqlite_listing.MERGED_CATEGORIES, 1], ids=["merged", "filtered-with-in"])
async def test_every_page_is_what_sorting_every_match_gives(
    store: SqliteCatalogStore, merged: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_listing, "MERGED_CATEGORIES", merged)
    listed = 0
    for q in queries(store):
        for sort in ProductSortKey:
            for reverse in (False, True):
                expected = sorted_ids(store, q, SORT_COLUMNS[sort], reverse)
                assert await walk(store, q, sort, reverse) == expected, (q, sort, reverse)
                assert await store.count_products(q) == len(expected)
                listed += len(expected)
    assert listed > 10_000  # the queries list something: most of them many pages


def _work(conn: sqlite3.Connection, steps: list[int]) -> None:
    steps.clear()
    conn.set_progress_handler(lambda: steps.append(1), 100)  # type: ignore[func-returns-value]


async def _category_page_work(store: SqliteCatalogStore) -> dict[str, int]:
    """SQLite virtual-machine steps (in hundreds) of the first page of 24 of the broadest category, per sort."""
    root = _rows(
        store,
        "SELECT c.id FROM categories c WHERE c.parent_id IS NULL ORDER BY (SELECT COUNT(*) FROM products p, "
        "categories l WHERE p.category_id = l.id AND l.path LIKE c.path || '%') DESC LIMIT 1",
    )[0][0]
    steps: list[int] = []
    await store._run(lambda conn: _work(conn, steps))
    work: dict[str, int] = {}
    for sort, q in (
        (ProductSortKey.BEST_SELLING, ProductQuery(category_id=root)),
        (ProductSortKey.PRICE, ProductQuery(category_id=root, available=True)),
        (ProductSortKey.TITLE, ProductQuery(category_id=root, min_price=Decimal(20))),
    ):
        steps.clear()
        page = await store.list_products(q, sort, False, PageRequest(24))
        assert len(page.items) == 24
        work[sort.name] = len(steps)
    await store._run(lambda conn: conn.set_progress_handler(None, 0))
    return work


async def test_a_category_page_costs_the_same_in_a_catalog_eight_times_larger(
    store: SqliteCatalogStore, tmp_path: Path
) -> None:
    small = await _category_page_work(store)
    large_store = await seeded(tmp_path / "large.sqlite3", 3_200)
    try:
        large = await _category_page_work(large_store)
    finally:
        await large_store.close()
    for sort, steps in small.items():
        # Sorting the matches would take ~8x the steps; reading an index's order takes about the same.
        assert large[sort] <= steps * 1.6 + 10, (sort, small, large)
