"""Bounded DynamoDB reads on moto's server: the listing read budget and its cursors, price bounds as key
conditions, merged subtree pages without duplicates, counts from counter items, and the category tree read
once per version. Reads are counted on the wire (botocore's events on the client), never assumed."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from bff.backends import dynamodb_items as items
from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
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

TABLE = "reads-test"
BUDGET = 40


def record(i: int, category: str | None = None, vendor: str = "Acme", price: str = "10.00") -> ProductRecord:
    pid = f"p{i:04d}"
    return ProductRecord(
        Product(pid, f"h{i}", f"Product {i}", vendor=vendor, category_id=category),
        (Variant(f"v{i:04d}", pid, f"S{i}", "One", Money(Decimal(price), "USD"), quantity_available=1),),
    )


async def open_store(endpoint: str, **options: Any) -> DynamoCatalogStore:
    store = await DynamoCatalogStore.open(TABLE, "us-east-1", endpoint, **options)
    await create_table(store.requests)
    return store


@pytest.fixture
async def store(aws: str) -> AsyncIterator[DynamoCatalogStore]:
    opened = await open_store(aws, read_budget=BUDGET, tree_check_seconds=0)
    yield opened
    await opened.close()


def wire_reads(store: DynamoCatalogStore) -> Counter[str]:
    """Queries and the entries they read (``ScannedCount``), seen on the client as the server answers."""
    seen: Counter[str] = Counter()

    def after(parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        seen[model.name] += 1
        seen[f"{model.name}.read"] += int(parsed.get("ScannedCount", 0))

    store.client.meta.events.register("after-call.dynamodb", after)
    return seen


def wire_requests(store: DynamoCatalogStore) -> list[dict[str, Any]]:
    """Every Query's arguments, as sent."""
    sent: list[dict[str, Any]] = []

    def before(params: dict[str, Any], **kwargs: Any) -> None:
        sent.append(dict(params))

    store.client.meta.events.register("provide-client-params.dynamodb.Query", before)
    return sent


async def walk(
    store: DynamoCatalogStore, query: ProductQuery, sort: ProductSortKey, size: int, backward: bool = False
) -> list[Page[str]]:
    pages: list[Page[str]] = []
    after = None
    while True:
        page = await store.list_product_ids(query, sort, False, PageRequest(size, after, backward))
        pages.append(page)
        if not page.has_more:
            return pages
        after = page.resume_key or (page.keys[0] if backward else page.keys[-1])
        assert len(pages) < 100


async def test_a_filter_matching_nothing_reads_at_most_the_budget_and_answers_a_cursor(
    store: DynamoCatalogStore,
) -> None:
    await store.upsert_products([record(i) for i in range(120)])
    seen = wire_reads(store)

    page = await store.list_product_ids(ProductQuery(vendors=("nope",)), ProductSortKey.TITLE, False, PageRequest(10))

    assert page.items == [] and page.has_more and page.resume_key is not None
    assert 0 < seen["Query.read"] <= BUDGET
    # Limits grow within the budget: a couple of requests, not one per page of matches.
    assert seen["Query"] <= 3


async def test_following_budget_cursors_walks_the_whole_listing_once(store: DynamoCatalogStore) -> None:
    records = [record(i, vendor="Rare" if i % 17 == 0 else "Acme") for i in range(120)]
    await store.upsert_products(records)
    expected = sorted(r.product.id for r in records if r.product.vendor == "Rare")
    seen = wire_reads(store)

    calls = 0
    for sort in (ProductSortKey.ID, ProductSortKey.TITLE):
        pages = await walk(store, ProductQuery(vendors=("Rare",)), sort, 3)
        calls += len(pages)
        found = [pid for page in pages for pid in page.items]
        assert sorted(found) == expected and len(found) == len(set(found)), sort
        assert any(p.resume_key is not None and len(p.items) < 3 for p in pages), "the budget never cut a page"
    # Each page read at most the budget (and the cursor's own entry again).
    assert seen["Query.read"] <= calls * (BUDGET + 1)


async def test_budget_cursors_walk_backwards_too(store: DynamoCatalogStore) -> None:
    records = [record(i, vendor="Rare" if i % 13 == 0 else "Acme") for i in range(100)]
    await store.upsert_products(records)
    after: tuple[object, str] = ("p9999", "p9999")  # past the last entry
    found: list[str] = []
    while True:
        page = await store.list_product_ids(
            ProductQuery(vendors=("Rare",)), ProductSortKey.ID, False, PageRequest(2, after, True)
        )
        found = page.items + found
        if not page.has_more:
            break
        after = page.resume_key or page.keys[0]
    assert found == sorted(r.product.id for r in records if r.product.vendor == "Rare")


async def test_price_bounds_on_the_price_listing_are_key_conditions(store: DynamoCatalogStore) -> None:
    await store.upsert_products([record(i, price=f"{i}.50") for i in range(60)])
    sent = wire_requests(store)
    seen = wire_reads(store)

    page = await store.list_products(
        ProductQuery(min_price=Decimal("10.5"), max_price=Decimal("19.50")),
        ProductSortKey.PRICE,
        False,
        PageRequest(50),
    )

    assert [p.min_price.amount for p in page.items if p.min_price] == [Decimal(f"{i}.50") for i in range(10, 20)]
    assert "BETWEEN" in sent[0]["KeyConditionExpression"] and "FilterExpression" not in sent[0]
    assert seen["Query.read"] == 10  # only the entries in the price range are read


async def test_price_bounds_and_a_cursor_share_the_key_condition(store: DynamoCatalogStore) -> None:
    await store.upsert_products([record(i, price=f"{i}.00") for i in range(40)])
    query = ProductQuery(min_price=Decimal("5"), max_price=Decimal("30"))
    for reverse in (False, True):
        found: list[str] = []
        after = None
        while True:
            page = await store.list_product_ids(query, ProductSortKey.PRICE, reverse, PageRequest(4, after))
            found += page.items
            if not page.has_more:
                break
            after = page.keys[-1]
        expected = [f"p{i:04d}" for i in range(5, 31)]
        assert found == (expected[::-1] if reverse else expected), reverse


async def test_a_product_in_two_scopes_of_a_subtree_is_listed_once(store: DynamoCatalogStore) -> None:
    await store.upsert_categories(
        [
            Category("root", "root", "Root"),
            Category("a", "a", "A", parent_id="root"),
            Category("b", "b", "B", parent_id="root"),
        ]
    )
    await store.upsert_products([record(i, category="a") for i in range(6)])
    # The moment a move leaves behind: the product's entries in its old category and in its new one.
    stored = (await store.requests.batch_get([s.product_key("p0003")]))[("PRODUCT#p0003", "PRODUCT")]
    moved = items.listing_entries({**stored, "categoryId": "b"})
    await store.requests.batch_write([e for e in moved if e[s.GSI1_PK].endswith("#CATEGORY#b")])

    for sort in (ProductSortKey.TITLE, ProductSortKey.ID):
        page = await store.list_product_ids(ProductQuery(category_id="root"), sort, False, PageRequest(10))
        assert sorted(page.items) == [f"p{i:04d}" for i in range(6)], sort


async def test_unfiltered_counts_read_counter_items_not_entries(store: DynamoCatalogStore) -> None:
    await store.upsert_categories(
        [
            Category("root", "root", "Root"),
            Category("a", "a", "A", parent_id="root"),
            Category("b", "b", "B", parent_id="root"),
        ]
    )
    await store.upsert_products([record(i, category="a" if i < 7 else "b") for i in range(10)])
    await store.upsert_products([record(i, category="a") for i in range(3)])  # stored again: counted once
    await store.tree.items()  # the tree is read once per version (another test): not an entry read
    seen = wire_reads(store)

    assert await store.count_products(ProductQuery()) == 10
    assert await store.count_products(ProductQuery(category_id="root")) == 10
    assert await store.count_products(ProductQuery(category_id="b")) == 3
    assert seen["Query.read"] == 0

    # A conditional update that moves a product between categories moves the counts in its transaction.
    current = await store.get_product_record("p0000")
    assert current is not None
    moved = ProductRecord(replace(current.product, category_id="b"), current.variants)
    await store.update_product(moved, current.product.version)
    assert await store.count_products(ProductQuery(category_id="a")) == 6
    assert await store.count_products(ProductQuery(category_id="b")) == 4
    assert await store.count_products(ProductQuery(category_id="root")) == 10


async def test_a_filtered_count_reads_at_most_the_budget(store: DynamoCatalogStore) -> None:
    await store.upsert_products([record(i) for i in range(120)])
    seen = wire_reads(store)
    assert await store.count_products(ProductQuery(vendors=("Acme",))) == BUDGET  # a lower bound, said so
    assert seen["Query.read"] <= BUDGET


async def test_the_tree_is_read_once_per_version_and_a_write_elsewhere_is_seen(
    store: DynamoCatalogStore, aws: str
) -> None:
    await store.upsert_categories([Category("root", "root", "Root"), Category("a", "a", "A", parent_id="root")])
    await store.upsert_products([record(i, category="a") for i in range(5)])
    reader = await open_store(aws, tree_check_seconds=0)
    try:
        seen = wire_reads(reader)
        await reader.list_product_ids(ProductQuery(category_id="root"), ProductSortKey.ID, False, PageRequest(3))
        assert reader.tree.loads == 1
        queries = seen["Query"]
        page = await reader.list_product_ids(ProductQuery(category_id="root"), ProductSortKey.ID, False, PageRequest(3))
        # The second listing costs its two scopes' Queries and the version's GetItem, no tree Query.
        assert seen["Query"] - queries == 2 and seen["GetItem"] == 2
        assert len(page.items) == 3
        await reader.list_categories(None, True, PageRequest(10))
        assert reader.tree.loads == 1

        await store.upsert_categories([Category("new", "new", "New", parent_id="root")])  # another process

        children = await reader.get_child_categories(["root"])
        assert [c.id for c in children[0]] == ["a", "new"] and reader.tree.loads == 2
    finally:
        await reader.close()


async def test_long_and_cjk_titles_fit_the_index_key_and_list_in_order(store: DynamoCatalogStore) -> None:
    titles = {"p0000": "b" * 2000, "p0001": "a" * 2000 + "z", "p0002": "a" * 2000, "p0003": "漢" * 600, "p0004": "c"}
    await store.upsert_products(
        [
            ProductRecord(
                Product(pid, f"h-{pid}", title),
                (Variant(f"v-{pid}", pid, f"S-{pid}", "One", Money(Decimal("1"), "USD"), quantity_available=1),),
            )
            for pid, title in titles.items()
        ]
    )
    page = await store.list_products(ProductQuery(), ProductSortKey.TITLE, False, PageRequest(10))
    # Titles sharing the key's prefix order by id (p0001 before p0002), the rest by title.
    assert [p.id for p in page.items] == ["p0001", "p0002", "p0000", "p0004", "p0003"]
    assert page.items[0].title == titles["p0001"]
    walked = await walk(store, ProductQuery(), ProductSortKey.TITLE, 2)
    assert [pid for p in walked for pid in p.items] == [p.id for p in page.items]


async def test_a_cursor_past_the_price_range_answers_an_empty_last_page(store: DynamoCatalogStore) -> None:
    await store.upsert_products([record(i, price=f"{i}.00") for i in range(10)])
    query = ProductQuery(min_price=Decimal("2"), max_price=Decimal("4"))
    sent = wire_requests(store)
    for reverse, after in ((False, (8.0, "p0008")), (True, (1.0, "p0001"))):
        page = await store.list_product_ids(query, ProductSortKey.PRICE, reverse, PageRequest(5, after))
        assert (page.items, page.has_more) == ([], False), reverse
    # DynamoDB refuses a BETWEEN whose lower bound is above its upper one: no Query is sent at all.
    assert sent == []


async def test_a_scope_without_a_counter_is_counted_from_its_entries(store: DynamoCatalogStore) -> None:
    await store.upsert_products([record(i) for i in range(12)])
    # A table written before counters existed: the entries are there, the counter item is not.
    await store.requests.batch_write([], [s.counter_key(s.listing_scope(None))])
    assert await store.count_products(ProductQuery()) == 12
