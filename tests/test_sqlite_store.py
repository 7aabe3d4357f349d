"""``SqliteCatalogStore`` on its own: writes, derived summaries, keyset paging with ties, the tree."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.sqlite_decoded import DecodedRows
from bff.backends.local.sqlite_schema import MIGRATIONS, migrate
from bff.domain.catalog import (
    Category,
    Money,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    Variant,
)
from bff.errors import BadUserInput
from tests.opening_together import open_together


def record(n: int, prices: list[str], stock: list[int], category: str | None = "leaf") -> ProductRecord:
    pid = f"p{n:03d}"
    variants = tuple(
        Variant(
            f"{pid}-{i}",
            pid,
            f"SKU-{pid}-{i}",
            f"V{i}",
            Money(Decimal(p), "EUR"),
            quantity_available=q,
            position=i,
        )
        for i, (p, q) in enumerate(zip(prices, stock, strict=True))
    )
    return ProductRecord(Product(pid, f"handle-{n}", f"Title {n % 7}", category_id=category), variants)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteCatalogStore]:
    opened = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    await opened.upsert_categories(
        [
            Category("root", "root", "Root"),
            Category("mid", "mid", "Mid", parent_id="root"),
            Category("leaf", "leaf", "Leaf", parent_id="mid"),
            Category("other", "other", "Other"),
        ]
    )
    yield opened
    await opened.close()


async def test_summary_fields_are_derived_from_variants(store: SqliteCatalogStore) -> None:
    await store.upsert_products([record(1, ["19.99", "9.50", "12.00"], [0, 3, 4])])
    (product,) = await store.get_products(["p001"])
    assert product is not None
    assert (product.min_price, product.max_price) == (
        Money(Decimal("9.50"), "EUR"),
        Money(Decimal("19.99"), "EUR"),
    )
    assert product.available and product.available_for_sale
    (variants,) = await store.get_variants_by_product(["p001"])
    assert sum(v.quantity_available for v in variants) == 7


async def test_reimport_replaces_variants_and_keeps_one_row(store: SqliteCatalogStore) -> None:
    await store.upsert_products([record(1, ["5.00", "6.00"], [1, 1])])
    await store.upsert_products([record(1, ["7.00"], [0])])
    assert await store.count_products(ProductQuery()) == 1
    (variants,) = await store.get_variants_by_product(["p001"])
    assert [v.price.amount for v in variants] == [Decimal("7.00")]
    (product,) = await store.get_products(["p001"])
    assert product is not None and not product.available_for_sale


async def test_reads_answer_in_key_order_with_gaps(store: SqliteCatalogStore) -> None:
    await store.upsert_products([record(n, ["1.00"], [1]) for n in range(3)])
    found = await store.get_products(["p002", "missing", "p000"])
    assert [p.id if p else None for p in found] == ["p002", None, "p000"]
    by_handle = await store.get_products_by_handle(["handle-1", "nope"])
    assert [p.id if p else None for p in by_handle] == ["p001", None]


async def test_keyset_pages_survive_ties_in_both_directions(store: SqliteCatalogStore) -> None:
    # 45 products share 3 prices: page boundaries fall inside runs of equal sort values.
    await store.upsert_products([record(n, [str(10 + n % 3)], [1]) for n in range(45)])
    for backward in (False, True):
        seen: list[str] = []
        position = None
        while True:
            page = await store.list_products(
                ProductQuery(),
                ProductSortKey.PRICE,
                False,
                PageRequest(limit=7, after=position, backward=backward),
            )
            ids = [p.id for p in page.items]
            seen = ids + seen if backward else seen + ids
            if not page.has_more:
                break
            position = page.keys[0] if backward else page.keys[-1]
        assert sorted(seen) == sorted(f"p{n:03d}" for n in range(45))
        assert len(seen) == 45
        prices = [(await store.get_products([i]))[0].min_price.amount for i in seen]  # type: ignore[union-attr]
        assert prices == sorted(prices)


async def test_category_filter_covers_the_subtree_only(store: SqliteCatalogStore) -> None:
    await store.upsert_products(
        [record(1, ["1"], [1], "leaf"), record(2, ["1"], [1], "mid"), record(3, ["1"], [1], "other")]
    )
    assert await store.count_products(ProductQuery(category_id="root")) == 2
    assert await store.count_products(ProductQuery(category_id="leaf")) == 1
    (leaf,) = await store.get_categories(["leaf"])
    assert leaf is not None and leaf.ancestor_ids == ("root", "mid")


async def test_a_category_cycle_is_refused_and_nothing_changes(store: SqliteCatalogStore) -> None:
    with pytest.raises(BadUserInput, match="own ancestor"):
        await store.upsert_categories([Category("root", "root", "Root", parent_id="leaf")])
    (root,) = await store.get_categories(["root"])
    assert root is not None and root.parent_id is None


async def test_duplicate_sku_is_refused_without_partial_writes(store: SqliteCatalogStore) -> None:
    first = record(1, ["1"], [1])
    clash = ProductRecord(
        Product("p009", "h9", "Clash"),
        (Variant("v9", "p009", first.variants[0].sku, "x", Money(Decimal(1), "EUR")),),
    )
    with pytest.raises(BadUserInput):
        await store.upsert_products([first, clash])
    assert await store.count_products(ProductQuery()) == 0


async def test_rows_read_again_are_not_decoded_again_and_a_changed_row_is(
    store: SqliteCatalogStore, tmp_path: Path
) -> None:
    await store.upsert_products([record(n, ["10.00", "12.00"], [1, 0]) for n in range(1, 6)])
    ids = [f"p{n:03d}" for n in range(1, 6)]
    first = await store.get_products(ids)
    decoded = store.products.decoded
    again = await store.get_products(ids)
    listed = await store.list_products(ProductQuery(), ProductSortKey.ID, False, PageRequest(limit=5))
    assert store.products.decoded == decoded
    assert again == first and listed.items == first

    # Another process writing the same file: the changed row is decoded afresh, the others are not.
    other = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    try:
        renamed = record(3, ["10.00", "12.00"], [1, 0])
        await other.upsert_products([replace(renamed, product=replace(renamed.product, title="Renamed"))])
    finally:
        await other.close()
    after = await store.get_products(ids)
    assert [p.title for p in after if p] == ["Title 1", "Title 2", "Renamed", "Title 4", "Title 5"]
    assert store.products.decoded == decoded + 1


async def test_a_remembered_product_is_read_afresh_when_its_stamp_moves(
    store: SqliteCatalogStore, tmp_path: Path
) -> None:
    await store.upsert_products([record(n, ["10.00"], [2]) for n in range(1, 4)])
    ids = ["p001", "p002", "p003"]
    assert [p.available_for_sale for p in await store.get_products(ids) if p] == [True, True, True]
    by_handle = await store.get_products_by_handle(["handle-2"])
    assert by_handle[0] is not None and by_handle[0].id == "p002"
    # The availability flag is set without a new version where stock crosses zero (and by migrations):
    # written here by hand, as another process would, it must be seen.
    conn = sqlite3.connect(tmp_path / "catalog.sqlite3", isolation_level=None)
    try:
        conn.execute("UPDATE products SET available = 0 WHERE id = 'p002'")
    finally:
        conn.close()
    assert [p.available_for_sale for p in await store.get_products(ids) if p] == [True, False, True]
    assert [p.available_for_sale for p in await store.get_products_by_handle(["handle-2"]) if p] == [False]


def test_decoded_rows_are_bounded_oldest_first() -> None:
    calls: list[tuple[object, ...]] = []

    def decode(row: Any) -> str:
        calls.append(tuple(row))
        return "|".join(row)

    rows = DecodedRows(decode, size=2)
    assert [rows(r) for r in (("a",), ("b",), ("a",), ("c",), ("a",), ("b",))] == ["a", "b", "a", "c", "a", "b"]
    # "a" was remembered first, so "c" pushed it out; "a" then pushed out "b".
    assert calls == [("a",), ("b",), ("c",), ("a",), ("b",)]
    assert rows.decoded == 5


def test_processes_starting_together_on_a_fresh_file_all_migrate_it(tmp_path: Path) -> None:
    # `bff serve --workers N` on a fresh data dir: every worker opens the catalog and migrates it at once.
    for attempt in range(5):
        path = tmp_path / f"catalog-{attempt}.sqlite3"
        assert open_together(path, ("journal_mode=WAL", "busy_timeout=5000"), migrate) == []
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
