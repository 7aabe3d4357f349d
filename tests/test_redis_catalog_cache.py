"""Catalog reads through a real redis-server: hits and misses, TTLs, invalidation on writes, one fetch for
a hundred concurrent cold loads, and answers that keep coming while Redis is down."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from redis.asyncio import Redis

from bff import metrics
from bff.app import create_app
from bff.backends import catalog_codec as codec
from bff.backends.catalog import CatalogStore
from bff.backends.catalog_cache import INVALIDATED, CachedCatalogReads
from bff.backends.redis_cache import RedisCache
from bff.domain.catalog import Product, ProductRecord, Variant
from bff.settings import Settings
from loaders.product_by_id import ProductByIdLoader
from tests.conftest import app_client as plain_app_client
from tests.conftest import gql, make_settings
from tests.stand_ins import RedisProcess
from tests.test_batching import HOME


class app_client(plain_app_client):
    """The app over ASGI, with its ``AppState`` on the client as ``app_state``."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.manager = LifespanManager(self.app, startup_timeout=60, shutdown_timeout=60)

    async def __aenter__(self) -> httpx.AsyncClient:
        http = await super().__aenter__()
        http.app_state = self.app.state.bff  # type: ignore[attr-defined]
        return http


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def reads(catalog_copy: CatalogStore, redis_url: str, redis: Redis) -> AsyncIterator[CachedCatalogReads]:
    cache = RedisCache.from_url(redis_url)
    reads = CachedCatalogReads(catalog_copy, cache, ttl_seconds=60, negative_ttl_seconds=5)
    yield reads
    await reads.flush()
    await cache.close()


def store_calls(name: str) -> int:
    return metrics.total_calls[f"catalog.{name}"]


async def test_second_read_is_served_by_redis_including_the_absent_key(reads: CachedCatalogReads) -> None:
    ids = ["demo-00001", "demo-00002", "no-such-product"]
    before = store_calls("get_products")

    cold = await reads.get_products(ids)
    await reads.flush()  # the misses are written in the background
    warm = await reads.get_products(ids)

    assert warm == cold and cold[2] is None and cold[0] is not None
    assert store_calls("get_products") - before == 1
    assert (reads.stats["hits"], reads.stats["misses"], reads.stats["lookups"]) == (3, 3, 6)


async def test_entries_expire_after_their_ttl_and_absent_ones_sooner(reads: CachedCatalogReads, redis: Redis) -> None:
    await reads.get_products(["demo-00003", "no-such-product"])
    await reads.flush()

    found_ttl = await redis.pttl(reads.key("product", "demo-00003"))
    absent_ttl = await redis.pttl(reads.key("product", "no-such-product"))

    assert 55_000 < found_ttl <= 60_000
    assert 0 < absent_ttl <= 5_000


async def test_keys_carry_the_codec_version(reads: CachedCatalogReads, redis: Redis) -> None:
    await reads.get_categories(["cat-apparel"])
    await reads.flush()

    assert await redis.keys("catalog:*") == [f"catalog:{codec.CODEC_VERSION}:category:cat-apparel".encode()]


async def test_a_hundred_concurrent_cold_loads_make_one_store_call(reads: CachedCatalogReads) -> None:
    before = store_calls("get_products")
    # One DataLoader per request, as in a hundred simultaneous requests for the same product page.
    loaders = [ProductByIdLoader(reads) for _ in range(100)]  # type: ignore[arg-type]

    found = await asyncio.gather(*(loader.load("demo-00007") for loader in loaders))

    assert store_calls("get_products") - before == 1
    assert {p.id for p in found if p is not None} == {"demo-00007"}
    assert reads.stats["coalesced"] == 99


async def test_a_catalog_write_invalidates_exactly_what_it_touched(
    seeded_dir: Path, tmp_path: Path, redis_url: str, redis: Redis
) -> None:
    shutil.copy(make_settings(seeded_dir).catalog_db_path, tmp_path / "catalog.sqlite3")
    settings = make_settings(tmp_path, cache_backend="redis", redis_url=redis_url)
    query = "{ a: product(id: $a) { title } b: product(id: $b) { title } }".replace("$a", '"UHJvZHVjdC9kZW1vLTAwMDEx"')
    query = query.replace("$b", '"UHJvZHVjdC9kZW1vLTAwMDEy"')  # Product/demo-00011, Product/demo-00012
    async with app_client(settings) as http:
        before = await gql(http, query)
        backends = http.app_state.backends  # type: ignore[attr-defined]
        await backends.catalog_reads.flush()  # what the first read wrote to Redis in the background
        (product,) = await backends.catalog.get_products(["demo-00011"])
        (variants,) = await backends.catalog.get_variants_by_product(["demo-00011"])
        await backends.catalog.upsert_products([ProductRecord(replace(product, title="Renamed"), tuple(variants))])
        untouched = await redis.get(CachedCatalogReads.key("product", "demo-00012"))
        touched = await redis.get(CachedCatalogReads.key("product", "demo-00011"))
        after = await gql(http, query)

    assert touched == INVALIDATED  # marked, so no server's write-back of what it read before fills it
    assert untouched is not None and untouched != INVALIDATED
    assert after["data"]["a"]["title"] == "Renamed"
    assert after["data"]["b"] == before["data"]["b"]


async def test_requests_are_answered_while_redis_is_down(
    seeded_dir: Path, redis_process: RedisProcess, redis: Redis
) -> None:
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=redis_process.url)
    async with app_client(settings) as http:
        warm = await gql(http, HOME, first=10)
        degraded = metrics.degraded_calls["cache.get_many"]
        redis_process.stop()
        try:
            during = await gql(http, HOME, first=10)
        finally:
            redis_process.start()
        after = await gql(http, HOME, first=10)

    assert "errors" not in during, during
    assert during["data"] == warm["data"] == after["data"]
    assert metrics.degraded_calls["cache.get_many"] > degraded


async def test_warm_product_page_is_served_from_redis(seeded_dir: Path, redis_url: str, redis: Redis) -> None:
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=redis_url)
    async with app_client(settings) as http:
        reads = http.app_state.backends.catalog_reads  # type: ignore[attr-defined]
        await gql(http, HOME, first=50)
        reads.stats.clear()
        warm = await gql(http, HOME, first=50)

    calls = warm["extensions"]["backendCalls"]
    assert reads.stats["lookups"] > 0 and reads.stats["hits"] == reads.stats["lookups"]
    assert {k for k in calls if k.startswith("catalog.")} == {"catalog.list_products"}


def test_cached_values_round_trip() -> None:
    from decimal import Decimal

    from bff.catalog_io import generate_catalog

    categories, records = generate_catalog(products=5, seed=1)
    product = replace(records[0].product, min_price=None)
    for tp, value in [
        (Product | None, product),
        (Product | None, records[1].product),
        (Product | None, None),
        (list[Variant], list(records[2].variants)),
        (type(categories[3]), categories[3]),
    ]:
        assert codec.decode(tp, codec.encode(value)) == value
    money = records[1].variants[0].price
    assert codec.encode(money) == f'["{money.amount}","{money.currency_code}"]'.encode()
    assert isinstance(codec.decode(type(money), codec.encode(money)).amount, Decimal)
    assert codec.CODEC_VERSION.startswith(f"v{codec.FORMAT}-")


class HeldAfterReading:
    """The catalog store, whose product reads answer only once ``go`` is set (a slow read in flight)."""

    def __init__(self, store: CatalogStore) -> None:
        self._store = store
        self.read = asyncio.Event()
        self.go = asyncio.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def get_products(self, ids: list[str]) -> list[Product | None]:
        found = await self._store.get_products(ids)
        self.read.set()
        await self.go.wait()
        return found


async def test_a_read_that_missed_before_another_process_wrote_never_caches_the_old_value(
    catalog_copy: CatalogStore, redis_url: str, redis: Redis
) -> None:
    # Two servers on one Redis: here reads a product and misses; there renames it (and invalidates its entry)
    # while here's store read is still under way; here's write-back of what it read lands last.
    held = HeldAfterReading(catalog_copy)
    here_cache, there_cache = RedisCache.from_url(redis_url), RedisCache.from_url(redis_url)
    here = CachedCatalogReads(held, here_cache, ttl_seconds=60)  # type: ignore[arg-type]
    there = CachedCatalogReads(catalog_copy, there_cache, ttl_seconds=60, invalidated_ttl_seconds=5)
    try:
        (product,) = await catalog_copy.get_products(["demo-00013"])
        (variants,) = await catalog_copy.get_variants_by_product(["demo-00013"])
        assert product is not None
        reading = asyncio.create_task(here.get_products(["demo-00013"]))
        await held.read.wait()
        renamed = replace(product, title="Renamed elsewhere")
        await catalog_copy.upsert_products([ProductRecord(renamed, tuple(variants))])
        await there.products_changed([ProductRecord(renamed, tuple(variants))])
        held.go.set()
        assert [p.title for p in await reading if p is not None] == [product.title]  # what it read, answered
        await here.flush()  # its write-back has landed (or was refused)

        assert [p.title for p in await there.get_products(["demo-00013"]) if p is not None] == ["Renamed elsewhere"]
        # The entry stays invalidated for a bounded time only (its marker's TTL).
        assert 0 < await redis.pttl(CachedCatalogReads.key("product", "demo-00013")) <= 5_000
    finally:
        await there.flush()
        await here_cache.close()
        await there_cache.close()
