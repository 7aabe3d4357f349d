"""The catalog contract: SQLite and DynamoDB (moto's server) answer every read the same way.

Both stores get the same categories and products (with runs of equal titles, prices and dates so that page
boundaries fall inside ties); every comparison is on the stores' answers, position keys included, so the
cursors the API signs are the same on both backends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bff.backends.catalog import CatalogStore
from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.domain.catalog import (
    Category,
    Money,
    Page,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    Variant,
)
from bff.errors import BadUserInput

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def catalog() -> tuple[list[Category], list[ProductRecord]]:
    categories, records = generate_catalog(products=30, seed=11)
    leaf = records[0].product.category_id
    ties = [
        ProductRecord(
            Product(
                f"tie-{n}",
                f"tie-{n}",
                "Same Title",
                vendor="Tie Co",
                category_id=leaf,
                created_at=WHEN,
                updated_at=WHEN,
                sales_rank=1000 + n % 2,
            ),
            (
                Variant(
                    f"tie-{n}-v",
                    f"tie-{n}",
                    f"SKU-TIE-{n}",
                    "One",
                    Money(Decimal("19.99"), "USD"),
                    quantity_available=n % 2,
                ),
            ),
        )
        for n in range(9)
    ]
    return categories, records + ties


async def open_dynamodb(endpoint: str, table: str = "contract") -> DynamoCatalogStore:
    store = await DynamoCatalogStore.open(table, "us-east-1", endpoint)
    await create_table(store.requests)
    return store


@pytest.fixture
async def stores(tmp_path: Path, aws: str) -> AsyncIterator[tuple[CatalogStore, CatalogStore]]:
    sqlite = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    dynamodb = await open_dynamodb(aws)
    categories, records = catalog()
    for store in (sqlite, dynamodb):
        await store.upsert_categories(categories)
        await store.upsert_products(records)
    yield sqlite, dynamodb
    await sqlite.close()
    await dynamodb.close()


async def walk(
    store: CatalogStore, query: ProductQuery, sort: ProductSortKey, reverse: bool, backward: bool, size: int = 12
) -> list:
    pages: list[Page[Product]] = []
    position = None
    while True:
        page = await store.list_products(query, sort, reverse, PageRequest(size, after=position, backward=backward))
        pages.append(page)
        if not page.has_more or not page.keys:
            return [([p.id for p in pg.items], pg.keys, pg.has_more) for pg in pages]
        position = page.keys[0] if backward else page.keys[-1]


async def test_every_sort_order_pages_the_same_in_both_directions(stores: tuple[CatalogStore, CatalogStore]) -> None:
    sqlite, dynamodb = stores
    # Every sort key both ways forward; backward paging (last/before) on the two with the most ties.
    walks = [(sort, reverse, False) for sort in ProductSortKey for reverse in (False, True)]
    walks += [(ProductSortKey.PRICE, False, True), (ProductSortKey.CREATED_AT, True, True)]
    for sort, reverse, backward in walks:
        expected = await walk(sqlite, ProductQuery(), sort, reverse, backward)
        assert await walk(dynamodb, ProductQuery(), sort, reverse, backward) == expected, (sort, reverse, backward)
        assert sum(len(ids) for ids, _, _ in expected) == 39


async def test_filters_and_counts_agree(stores: tuple[CatalogStore, CatalogStore]) -> None:
    sqlite, dynamodb = stores
    (first,) = await sqlite.get_products(["demo-00001"])
    assert first is not None and first.category_id is not None
    (leaf,) = await sqlite.get_categories([first.category_id])
    assert leaf is not None and leaf.ancestor_ids
    queries = [
        ProductQuery(category_id=leaf.ancestor_ids[0]),
        ProductQuery(category_id=leaf.id),
        ProductQuery(category_id="no-such-category"),
        ProductQuery(vendors=("Tie Co", first.vendor)),
        ProductQuery(product_types=(first.product_type,), available=True),
        ProductQuery(tags=first.tags[:2]),
        ProductQuery(available=False),
        ProductQuery(min_price=Decimal("19.99"), max_price=Decimal("60")),
        ProductQuery(category_id=leaf.ancestor_ids[0], max_price=Decimal("40"), available=True),
    ]
    for query in queries:
        count = await sqlite.count_products(query)
        assert await dynamodb.count_products(query) == count, query
        expected = await walk(sqlite, query, ProductSortKey.PRICE, False, False, size=20)
        assert await walk(dynamodb, query, ProductSortKey.PRICE, False, False, size=20) == expected, query
        assert sum(len(ids) for ids, _, _ in expected) == count


async def test_lookups_by_key_answer_in_order_with_gaps(stores: tuple[CatalogStore, CatalogStore]) -> None:
    sqlite, dynamodb = stores
    ids = ["tie-3", "missing", "demo-00002", "demo-00002"]
    handles = ["tie-1", "nope", (await sqlite.get_products(["demo-00005"]))[0].handle]  # type: ignore[union-attr]
    for store in (dynamodb,):
        assert await store.get_products(ids) == await sqlite.get_products(ids)
        assert await store.get_products_by_handle(handles) == await sqlite.get_products_by_handle(handles)
        product_ids = ["demo-00003", "tie-0", "missing"]
        expected = await sqlite.get_variants_by_product(product_ids)
        assert await store.get_variants_by_product(product_ids) == expected
        variant_ids = [expected[0][-1].id, "missing", "tie-0-v"]
        assert await store.get_variants(variant_ids) == await sqlite.get_variants(variant_ids)


async def test_category_tree_reads_agree(stores: tuple[CatalogStore, CatalogStore]) -> None:
    sqlite, dynamodb = stores
    everything = await sqlite.list_categories(None, False, PageRequest(limit=100))
    ids = [c.id for c in everything.items] + ["missing"]
    handles = [c.handle for c in everything.items[:3]] + ["missing"]
    assert await dynamodb.get_categories(ids) == await sqlite.get_categories(ids)
    assert await dynamodb.get_categories_by_handle(handles) == await sqlite.get_categories_by_handle(handles)
    assert await dynamodb.get_child_categories(ids) == await sqlite.get_child_categories(ids)
    parent = everything.items[0].id
    for parent_id, top_level in [(None, False), (None, True), (parent, False)]:
        assert await dynamodb.count_categories(parent_id, top_level) == await sqlite.count_categories(
            parent_id, top_level
        )
        for backward in (False, True):
            first = await sqlite.list_categories(parent_id, top_level, PageRequest(limit=4, backward=backward))
            assert await dynamodb.list_categories(parent_id, top_level, PageRequest(4, backward=backward)) == first
            anchor = first.keys[0] if backward else first.keys[-1]
            nxt = PageRequest(limit=4, after=anchor, backward=backward)
            assert await dynamodb.list_categories(parent_id, top_level, nxt) == await sqlite.list_categories(
                parent_id, top_level, nxt
            )


async def test_rewrites_keep_derived_fields_and_drop_stale_entries(stores: tuple[CatalogStore, CatalogStore]) -> None:
    sqlite, dynamodb = stores
    (before,) = await sqlite.get_products(["demo-00004"])
    assert before is not None
    moved = ProductRecord(
        replace(before, category_id="cat-fragrance", title="Moved Along"),
        (Variant("demo-00004-new", "demo-00004", "SKU-NEW-4", "Only", Money(Decimal("7.50"), "USD"), None, 3),),
    )
    for store in (sqlite, dynamodb):
        await store.upsert_products([moved])
    assert await dynamodb.get_products(["demo-00004"]) == await sqlite.get_products(["demo-00004"])
    (after,) = await dynamodb.get_products(["demo-00004"])
    assert after is not None and after.created_at == before.created_at
    assert (after.min_price, after.available) == (Money(Decimal("7.50"), "USD"), True)
    assert await dynamodb.get_variants_by_product(["demo-00004"]) == await sqlite.get_variants_by_product(
        ["demo-00004"]
    )
    old_category = ProductQuery(category_id=before.category_id)
    assert await dynamodb.count_products(old_category) == await sqlite.count_products(old_category)
    assert await walk(dynamodb, old_category, ProductSortKey.ID, False, False) == await walk(
        sqlite, old_category, ProductSortKey.ID, False, False
    )


async def test_category_cycle_is_refused_and_nothing_changes(stores: tuple[CatalogStore, CatalogStore]) -> None:
    sqlite, dynamodb = stores
    roots = await sqlite.list_categories(None, True, PageRequest(limit=1))
    (child,) = (await sqlite.get_child_categories([roots.items[0].id]))[0][:1]
    cycle = replace(roots.items[0], parent_id=child.id)
    for store in (sqlite, dynamodb):
        with pytest.raises(BadUserInput, match="own ancestor"):
            await store.upsert_categories([cycle])
    assert await dynamodb.get_categories([cycle.id]) == await sqlite.get_categories([cycle.id])


async def test_listing_ids_name_the_products_the_listing_holds(stores: tuple[CatalogStore, CatalogStore]) -> None:
    for store in stores:
        for query in (ProductQuery(), ProductQuery(vendors=("Tie Co",))):
            products = await store.list_products(query, ProductSortKey.TITLE, False, PageRequest(10))
            ids = await store.list_product_ids(query, ProductSortKey.TITLE, False, PageRequest(10))
            assert ids.items == [p.id for p in products.items] and ids.keys == products.keys, (store, query)
            assert ids.has_more == products.has_more


async def reserve_on_both(sqlite: CatalogStore, dynamodb: CatalogStore, variant_id: str, units: int) -> None:
    """What checkout does, straight on each store: take units an order reserved."""
    assert isinstance(sqlite, SqliteCatalogStore) and isinstance(dynamodb, DynamoCatalogStore)
    sql = "UPDATE stock SET reserved = reserved + ?, version = version + 1 WHERE variant_id = ?"
    await sqlite._run(lambda conn: conn.execute(sql, (units, variant_id)))
    await dynamodb.requests.call(
        "UpdateItem",
        {
            "TableName": dynamodb.requests.table,
            "Key": {"pk": {"S": f"VARIANT#{variant_id}"}, "sk": {"S": "STOCK"}},
            "UpdateExpression": "SET reserved = reserved + :q, available = available - :q ADD version :one",
            "ConditionExpression": "available >= :q",
            "ExpressionAttributeValues": {":q": {"N": str(units)}, ":one": {"N": "1"}},
        },
    )


async def test_stock_changes_and_reimports_agree(stores: tuple[CatalogStore, CatalogStore]) -> None:
    sqlite, dynamodb = stores
    record = next(r for r in catalog()[1] if len(r.variants) > 1 and all(v.quantity_available for v in r.variants))
    pid, (first, second, *rest) = record.product.id, record.variants
    available = ProductQuery(available=True)
    sold_out = ProductQuery(available=False)
    levels = [(first.id, 0), (second.id, 0), *((v.id, 0) for v in rest), ("tie-1-v", 4)]
    changes = [await store.set_stock(levels) for store in (sqlite, dynamodb)]

    assert changes[0] == changes[1]
    assert {r.product.id for r in changes[0].flipped} == {pid}
    assert sorted(changes[0].product_ids) == sorted({pid, "tie-1"})
    ids = [first.id, second.id, "tie-1-v", "missing"]
    assert await dynamodb.get_stock(ids) == await sqlite.get_stock(ids)
    assert await dynamodb.get_variants(ids) == await sqlite.get_variants(ids)
    for query in (available, sold_out, ProductQuery(vendors=(record.product.vendor,), available=False)):
        assert await dynamodb.count_products(query) == await sqlite.count_products(query), query
        assert await walk(dynamodb, query, ProductSortKey.TITLE, False, False) == await walk(
            sqlite, query, ProductSortKey.TITLE, False, False
        )

    # Orders reserve 3 of 4; a re-import of the feed sets on hand again and keeps the reservation.
    await reserve_on_both(sqlite, dynamodb, "tie-1-v", 3)
    (tie,) = [r for r in catalog()[1] if r.product.id == "tie-1"]
    restocked = replace(tie, variants=(replace(tie.variants[0], quantity_available=10),))
    written = [await store.upsert_products([restocked]) for store in (sqlite, dynamodb)]

    assert written[0] == written[1]
    assert [v.quantity_available for v in written[0][0].variants] == [7]
    assert await sqlite.get_stock(["tie-1-v"]) == await dynamodb.get_stock(["tie-1-v"])
    (level,) = await sqlite.get_stock(["tie-1-v"])
    assert level is not None and (level.on_hand, level.reserved, level.available) == (10, 3, 7)
    assert await dynamodb.get_products([pid, "tie-1"]) == await sqlite.get_products([pid, "tie-1"])


async def test_an_unknown_variant_is_refused_by_both(stores: tuple[CatalogStore, CatalogStore]) -> None:
    for store in stores:
        with pytest.raises(BadUserInput):
            await store.set_stock([("tie-1-v", 2), ("no-such-variant", 1)])
    assert await stores[0].get_stock(["tie-1-v"]) == await stores[1].get_stock(["tie-1-v"])
