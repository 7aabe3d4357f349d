"""The API on DynamoDB (moto's server) within a listing read budget: short pages with cursors that walk the
whole listing, listings whose products come from Redis (a real redis-server) when warm, `totalCount`
without reading entries, and imports of titles and items at DynamoDB's limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bff.backends import dynamodb_limits as limits
from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.ports import unwrap
from bff.catalog_io.importer import import_feed
from bff.domain.catalog import Money, PageRequest, Product, ProductQuery, ProductRecord, ProductSortKey, Variant
from bff.settings import Settings
from tests.conftest import gql, make_settings
from tests.test_catalog_api import PAGE
from tests.test_redis_catalog_cache import app_client

TABLE = "reads-api"
BUDGET = 30
COUNTED = """
query Counted($filter: ProductFilter) { products(first: 2, filter: $filter) { totalCount nodes { id } } }
"""


def record(i: int) -> ProductRecord:
    pid = f"p{i:04d}"
    return ProductRecord(
        Product(pid, f"h{i}", f"Product {i}", vendor="Rare" if i % 11 == 0 else "Acme"),
        (Variant(f"v{i:04d}", pid, f"S{i}", "One", Money(Decimal("5.00"), "USD"), quantity_available=1),),
    )


@pytest.fixture
async def settings(aws: str, tmp_path: Path) -> Settings:
    store = await DynamoCatalogStore.open(TABLE, "us-east-1", aws)
    await create_table(store.requests)
    await store.upsert_products([record(i) for i in range(90)])
    await store.close()
    return make_settings(
        tmp_path,
        catalog_backend="dynamodb",
        aws_endpoint_url=aws,
        dynamodb_table=TABLE,
        listing_read_budget=BUDGET,
        call_policy={"catalog": {"timeout_seconds": 60}},
    )


@pytest.fixture
async def empty_redis(redis_url: str) -> AsyncIterator[str]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield redis_url
    await client.aclose()


def store_of(http: Any) -> DynamoCatalogStore:
    store = unwrap(http.app_state.backends.catalog._store)
    assert isinstance(store, DynamoCatalogStore)
    return store


async def test_a_filter_matching_nothing_answers_a_short_page_with_a_cursor(settings: Settings) -> None:
    async with app_client(settings) as http:
        requests = store_of(http).requests.requests
        before = requests["dynamodb.Query"]
        body = await gql(http, PAGE, first=10, sortKey="TITLE", reverse=False, filter={"vendors": ["nope"]})
        queries = requests["dynamodb.Query"] - before

    products = body["data"]["products"]
    assert products["edges"] == []
    assert products["pageInfo"]["hasNextPage"] is True and products["pageInfo"]["endCursor"]
    assert queries == 1  # one Query of at most the budget, not 90 entries' worth


async def test_budget_cursors_walk_the_filtered_listing_without_gaps_or_repeats(settings: Settings) -> None:
    expected = sorted(f"h{i}" for i in range(90) if i % 11 == 0)
    async with app_client(settings) as http:
        for sort, reverse in (("ID", False), ("TITLE", True), ("PRICE", False)):
            found: list[str] = []
            after = None
            for _ in range(50):
                body = await gql(
                    http, PAGE, first=2, after=after, sortKey=sort, reverse=reverse, filter={"vendors": ["Rare"]}
                )
                products = body["data"]["products"]
                found += [e["node"]["handle"] for e in products["edges"]]
                if not products["pageInfo"]["hasNextPage"]:
                    break
                after = products["pageInfo"]["endCursor"]
            assert sorted(found) == expected and len(found) == len(set(found)), sort


async def test_total_count_reads_no_listing_entries(settings: Settings) -> None:
    async with app_client(settings) as http:
        requests = store_of(http).requests.requests
        before = requests["dynamodb.Query"]
        every = await gql(http, COUNTED)
        rare = await gql(http, COUNTED, filter={"vendors": ["Rare"]})
        listing_queries = requests["dynamodb.Query"] - before

    assert every["data"]["products"]["totalCount"] == 90
    assert rare["data"]["products"]["totalCount"] == 9
    assert listing_queries <= 2  # the two pages' Queries: neither count read entries
    assert "search.search" in rare["extensions"]["backendCalls"]


async def test_a_warm_listing_reads_its_products_from_redis(settings: Settings, empty_redis: str) -> None:
    warm_settings = settings.model_copy(update={"cache_backend": "redis", "redis_url": empty_redis})
    async with app_client(warm_settings) as http:
        cold = await gql(http, PAGE, first=20, sortKey="BEST_SELLING", reverse=False)
        requests = store_of(http).requests.requests
        gets = requests["dynamodb.BatchGetItem"]
        warm = await gql(http, PAGE, first=20, sortKey="BEST_SELLING", reverse=False)

    assert warm["data"] == cold["data"] and len(warm["data"]["products"]["edges"]) == 20
    assert requests["dynamodb.BatchGetItem"] == gets  # the products came from Redis
    calls = warm["extensions"]["backendCalls"]
    assert "catalog.get_products" not in calls and calls["catalog.list_product_ids"] == 1
    assert calls["cache.get_many"] >= 1


def feed_line(pid: str, title: str, **fields: Any) -> str:
    variant = {"sku": f"SKU-{pid}", "price": "3.00", "quantity_available": 2}
    return json.dumps({"id": pid, "title": title, "variants": [variant], **fields}) + "\n"


async def test_an_import_takes_long_titles_and_refuses_only_the_oversized_item(aws: str, tmp_path: Path) -> None:
    store = await DynamoCatalogStore.open(TABLE, "us-east-1", aws)
    await create_table(store.requests)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        feed_line("long-b", "B" * 1000)
        + feed_line("long-a", "A" * 1000)
        + feed_line("huge", "Huge", description="x" * 500_000)
        + feed_line("cjk", "漢字" * 300)
        + feed_line("short", "C")
    )
    try:
        report = await import_feed(store, feed, progress=False)
        page = await store.list_products(ProductQuery(), ProductSortKey.TITLE, False, PageRequest(10))
        stored = await store.get_products(["huge"])
    finally:
        await store.close()

    assert [(r.id, r.line) for r in report.rejected] == [("huge", 3)]
    assert "400" in report.rejected[0].reason
    assert report.imported == 4
    assert [p.id for p in page.items] == ["long-a", "long-b", "short", "cjk"]
    assert stored == [None]  # nothing of the refused product was written


async def test_a_batch_dynamodb_refuses_becomes_per_record_errors(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The checks before writing are off: DynamoDB itself refuses the oversized item's batch.
    monkeypatch.setattr(limits, "problem", lambda item: None)
    store = await DynamoCatalogStore.open(TABLE, "us-east-1", aws)
    await create_table(store.requests)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(feed_line("a", "A") + feed_line("huge", "Huge", description="x" * 500_000) + feed_line("b", "B"))
    try:
        report = await import_feed(store, feed, progress=False)
        found = await store.get_products(["a", "b"])
    finally:
        await store.close()

    assert [(r.id, r.line) for r in report.rejected] == [("huge", 2)]
    assert "DynamoDB refused" in report.rejected[0].reason
    assert [p.id for p in found if p] == ["a", "b"]
