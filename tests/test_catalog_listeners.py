"""Catalog listeners after a write: each gets the records the write stored, every one runs even when another
fails, and a failure is recorded in the catalog store and replayed once the listener works again.

The search listener is the real OpenSearch adapter against the cluster stand-in (``tests/opensearch_fake.py``)
answering 503; the cache listeners are the app's own (read-through entries and the response generation)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from bff.backends.cache_generation import GENERATION_KEY
from bff.backends.catalog_cache import INVALIDATED, CachedCatalogReads
from bff.backends.catalog_events import ObservedCatalogStore
from bff.backends.catalog_watch import CatalogWatch
from bff.backends.local.issuer import LocalIssuer
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.cli import app as cli
from bff.domain.catalog import Category, ProductRecord, StockChange
from bff.ids import to_global_id
from tests.conftest import app_client, gql, make_settings
from tests.opensearch_fake import FakeCluster, running_fake

RENAME = """
mutation Rename($input: ProductUpdateInput!) {
  productUpdate(input: $input) { product { id title } userErrors { code } }
}
"""
PRODUCT = "query P($id: ID!) { product(id: $id) { title } }"


@pytest.fixture
def cluster() -> Iterator[tuple[str, FakeCluster]]:
    with running_fake() as (url, fake):
        yield url, fake


@pytest.fixture
async def data_dir(tmp_path: Path) -> Path:
    store = await SqliteCatalogStore.open(make_settings(tmp_path).catalog_db_path)
    categories, records = generate_catalog(products=6, seed=5)
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.close()
    return tmp_path


@pytest.fixture
async def app(data_dir: Path, cluster: tuple[str, FakeCluster]) -> AsyncIterator[app_client]:
    settings = make_settings(
        data_dir,
        search_backend="opensearch",
        opensearch_url=cluster[0],
        opensearch_auth="none",
        catalog_read_through=True,
        catalog_replay_interval_seconds=0,
        call_policy={"search": {"attempts": 1, "breaker_failures": 0}},
    )
    running = app_client(settings)
    async with running:
        catalog = running.state.backends.catalog
        catalog.retry_delay = 0.001
        yield running


def failures(outcome: str) -> float:
    value = REGISTRY.get_sample_value("bff_catalog_listener_failures_total", {"listener": "search", "outcome": outcome})
    return value or 0.0


def indexed(fake: FakeCluster) -> dict[str, str]:
    """Product id -> title of every document the cluster was sent to index."""
    documents: dict[str, str] = {}
    for request in fake.sent("POST", "/_bulk"):
        lines = request.body
        for action, source in zip(lines[::2], lines[1::2], strict=False):
            if "index" in action:
                documents[action["index"]["_id"]] = source["title"]
    return documents


async def test_a_search_outage_during_an_update_is_recorded_and_replayed(
    app: app_client, data_dir: Path, cluster: tuple[str, FakeCluster]
) -> None:
    _, fake = cluster
    backends = app.state.backends
    catalog: ObservedCatalogStore = backends.catalog
    reads = backends.catalog_reads
    assert isinstance(reads, CachedCatalogReads)
    pid = "demo-00002"
    gid = to_global_id("Product", pid)
    token = LocalIssuer.load_or_create(data_dir).mint("staff@example.com", groups=("admin",))
    before = await gql(app.http, PRODUCT, id=gid)  # fills the read-through cache
    assert (await backends.cache.get_many([reads.key("product", pid)]))[0] is not None
    (generation,) = await backends.cache.get_many([GENERATION_KEY])
    recorded = failures("recorded")

    fake.mode = "unavailable"
    response = await app.http.post(
        "/graphql",
        json={"query": RENAME, "variables": {"input": {"id": gid, "title": "Renamed Lamp"}}},
        headers={"authorization": f"Bearer {token}"},
    )
    body = response.json()

    # The write committed and says so; the search index could not take it.
    assert body["data"]["productUpdate"] == {"product": {"id": gid, "title": "Renamed Lamp"}, "userErrors": []}
    assert len(fake.sent("POST", "/_bulk")) == 3  # the listener's three tries
    # The listeners after the failing one still ran: the read-through entry was invalidated (marked, so the
    # mutation's own answer, read from the store, did not fill it) and the cached responses were retired.
    (cached,) = await backends.cache.get_many([reads.key("product", pid)])
    assert cached == INVALIDATED
    assert (await backends.cache.get_many([GENERATION_KEY]))[0] not in (None, generation)
    assert before["data"]["product"]["title"] != "Renamed Lamp"
    assert (await gql(app.http, PRODUCT, id=gid))["data"]["product"]["title"] == "Renamed Lamp"
    # ... and the failure is kept in the catalog store, and counted.
    assert await catalog.pending(10) == [("search", "product", pid)]
    assert failures("recorded") == recorded + 1

    # Still down: a replay keeps the change for later.
    assert await catalog.replay() == 0
    assert await catalog.pending(10) == [("search", "product", pid)]

    fake.mode, fake.requests[:] = "ok", []
    assert await catalog.replay() == 1

    assert indexed(fake) == {pid: "Renamed Lamp"}
    assert await catalog.pending(10) == []
    assert await catalog.replay() == 0


async def test_the_catalog_watch_replays_in_the_background(app: app_client, cluster: tuple[str, FakeCluster]) -> None:
    _, fake = cluster
    backends = app.state.backends
    record = await backends.catalog.get_product_record("demo-00003")
    assert record is not None
    fake.mode = "unavailable"
    await backends.catalog.update_product(record, record.product.version)
    assert await backends.catalog.pending(10) == [("search", "product", "demo-00003")]
    fake.mode, fake.requests[:] = "ok", []
    now = [0.0]
    # As the app wires it (the fixture turned the app's own replays off), on a clock the test moves.
    watch = CatalogWatch(
        backends.catalog, backends.cache, replay=backends.catalog.replay, replay_interval=60.0, clock=lambda: now[0]
    )

    await watch.check()
    assert watch.replaying is None  # the first replay waits one interval after start
    now[0] = 60.0
    await watch.check()
    assert watch.replaying is not None
    replayed = await watch.replaying

    assert replayed == 1 and list(indexed(fake)) == ["demo-00003"]
    first = watch.replaying
    now[0] = 100.0
    await watch.check()  # within the interval: no second replay
    assert watch.replaying is first


class Recording:
    """A listener that keeps what it was handed."""

    name = "recording"

    def __init__(self) -> None:
        self.records: list[ProductRecord] = []
        self.stock: list[StockChange] = []
        self.categories: list[Category] = []

    async def products_changed(self, records: Sequence[ProductRecord]) -> None:
        self.records.extend(records)

    async def stock_changed(self, change: StockChange) -> None:
        self.stock.append(change)

    async def categories_changed(self, categories: Sequence[Category]) -> None:
        self.categories.extend(categories)


class Failing(Recording):
    name = "failing"

    def __init__(self, times: int) -> None:
        super().__init__()
        self.left = times
        self.calls = 0

    async def products_changed(self, records: Sequence[ProductRecord]) -> None:
        self.calls += 1
        if self.left:
            self.left -= 1
            raise RuntimeError("listener down")
        await super().products_changed(records)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteCatalogStore]:
    opened = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    yield opened
    await opened.close()


async def test_listeners_get_the_records_as_written_and_a_quick_retry_is_enough(store: SqliteCatalogStore) -> None:
    flaky, recording = Failing(times=2), Recording()
    observed = ObservedCatalogStore(store, [flaky, recording])
    observed.retry_delay = 0.001
    categories, records = generate_catalog(products=2, seed=3)

    written_categories = await observed.upsert_categories(categories)
    written = await observed.upsert_products(records)

    assert recording.categories == written_categories and written_categories[0].id == categories[0].id
    # The derived summary the store computed, not the record handed in.
    assert recording.records == written and all(r.product.version == 1 and r.product.min_price for r in written)
    assert flaky.records == written and flaky.calls == 3
    assert await store.pending(10) == []
    variant = written[0].variants[0]
    change = await observed.set_stock([(variant.id, 0 if variant.quantity_available else 5)])
    assert recording.stock == [change] and change.levels[0].variant_id == variant.id


async def test_a_listener_that_keeps_failing_does_not_stop_the_others(
    store: SqliteCatalogStore, caplog: pytest.LogCaptureFixture
) -> None:
    broken, recording = Failing(times=10), Recording()
    observed = ObservedCatalogStore(store, [broken, recording])
    observed.retry_delay = 0.001
    _, records = generate_catalog(products=2, seed=3)

    written = await observed.upsert_products(records)

    assert recording.records == written
    assert broken.calls == 3
    ids = sorted(r.product.id for r in written)
    assert await store.pending(10) == [("failing", "product", i) for i in ids]
    assert any(r.levelname == "ERROR" and ids[0] in r.getMessage() for r in caplog.records)
    broken.left = 0
    assert await observed.replay() == 2
    assert sorted(r.product.id for r in broken.records) == ids
    assert await store.pending(10) == []


STOCK = """
query P($id: ID!) {
  product(id: $id) { totalInventory availableForSale variants(first: 10) { nodes { quantityAvailable } } }
}
"""


async def test_a_stock_change_is_seen_at_once_without_a_product_write(
    app: app_client, cluster: tuple[str, FakeCluster]
) -> None:
    _, fake = cluster
    backends = app.state.backends
    pid = "demo-00004"
    gid = to_global_id("Product", pid)
    before = (await gql(app.http, STOCK, id=gid))["data"]["product"]  # cached: read-through and response
    record = await backends.catalog.get_product_record(pid)
    assert record is not None
    variant = record.variants[0]
    fake.requests[:] = []

    change = await backends.catalog.set_stock([(variant.id, variant.quantity_available + 5)])
    after = (await gql(app.http, STOCK, id=gid))["data"]["product"]

    assert not change.flipped
    assert after["totalInventory"] == before["totalInventory"] + 5
    assert after["variants"]["nodes"][0]["quantityAvailable"] == variant.quantity_available + 5
    again = await backends.catalog.get_product_record(pid)
    assert again is not None and again.product.version == record.product.version  # the product was not written
    assert fake.sent("POST", "/_bulk") == []  # nothing to re-index: availability did not cross zero


async def test_bff_replay_hands_recorded_changes_over_now(data_dir: Path) -> None:
    store = await SqliteCatalogStore.open(make_settings(data_dir).catalog_db_path)
    try:
        await store.record_pending("search", "product", ["demo-00001"])
        env = {"BFF_DATA_DIR": str(data_dir), "BFF_ENV": "test"}
        # The command runs its own event loop: on a thread of its own, as from a shell.
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["replay"], env=env)
        left = await store.pending(10)
    finally:
        await store.close()

    assert result.exit_code == 0, result.output
    assert "replayed 1 recorded catalog changes" in result.output
    assert left == []
