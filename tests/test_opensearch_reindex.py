"""The OpenSearch index's lifecycle on the stand-in (``tests/opensearch_fake.py``): the alias made at start-up,
writes that can never create a stray index, rebuilds that go live only whole, and writes made while a
rebuild runs, by this instance or another, present after the switch."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.opensearch import OpenSearchProductSearch
from bff.backends.registry import build_backends
from bff.backends.search_indexer import documents, reindex
from bff.catalog_io import generate_catalog
from bff.domain.catalog import ProductRecord
from bff.domain.search import SearchDocument, SearchRequest
from bff.settings import Settings
from tests.conftest import make_settings
from tests.opensearch_fake import FakeCluster, Recorded, running_fake


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, FakeCluster]]:
    with running_fake() as running:
        yield running


@pytest.fixture
def cluster(fake: tuple[str, FakeCluster]) -> FakeCluster:
    fake[1].reset()
    return fake[1]


def adapter_for(url: str, **settings: Any) -> OpenSearchProductSearch:
    return OpenSearchProductSearch.from_settings(
        Settings(env="test", search_backend="opensearch", opensearch_url=url, opensearch_auth="none", **settings)
    )


@pytest.fixture
async def search(fake: tuple[str, FakeCluster], cluster: FakeCluster) -> AsyncIterator[OpenSearchProductSearch]:
    adapter = adapter_for(fake[0])
    yield adapter
    await adapter.close()


def doc(product_id: str, title: str = "Canvas Tote") -> SearchDocument:
    return SearchDocument(
        id=product_id,
        handle=product_id,
        title=title,
        description="",
        vendor="Acme",
        product_type="Bag",
        tags=(),
        category_id=None,
        category_path=(),
        price=Decimal(20),
        available=True,
        created_at=None,
        sales_rank=0,
    )


async def batches(*groups: Sequence[SearchDocument]) -> AsyncIterator[Sequence[SearchDocument]]:
    for group in groups:
        yield group


async def found(search: OpenSearchProductSearch, text: str) -> list[str]:
    return (await search.search(SearchRequest(text))).product_ids


async def test_start_up_creates_the_alias_with_the_configured_shards_and_writes_go_to_its_index(
    fake: tuple[str, FakeCluster], cluster: FakeCluster, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path,
        search_backend="opensearch",
        opensearch_url=fake[0],
        opensearch_auth="none",
        opensearch_shards=3,
        opensearch_replicas=2,
    )
    async with build_backends(settings) as backends:
        (index,) = cluster.alias_of("products")
        await backends.search.index_documents([doc("p1")])

    created = cluster.sent("PUT", f"/{index}")[0].body
    assert created["settings"]["index"] == {"number_of_shards": 3, "number_of_replicas": 2}
    assert created["aliases"] == {"products": {"is_write_index": True}}
    assert set(cluster.indices) == {index} and set(cluster.indices[index].docs) == {"p1"}
    assert all(r.query.get("require_alias") == "true" for r in cluster.sent("POST", "/_bulk"))


async def test_a_write_before_the_alias_exists_creates_the_alias_not_an_index_of_its_name(
    search: OpenSearchProductSearch, cluster: FakeCluster
) -> None:
    # The cluster was unreachable at start-up: no alias yet.
    await search.index_documents([doc("p1")])

    refused, written = cluster.sent("POST", "/_bulk")
    assert refused.query["require_alias"] == "true" and written.query["require_alias"] == "true"
    (index,) = cluster.alias_of("products")
    assert "products" not in cluster.indices and set(cluster.indices) == {index}
    assert await found(search, "tote") == ["p1"]


async def test_a_stray_index_named_like_the_alias_is_replaced_by_the_next_rebuild(
    search: OpenSearchProductSearch, cluster: FakeCluster, fake: tuple[str, FakeCluster]
) -> None:
    # What an older version left: a write without the alias created a concrete index named "products".
    await search._client.bulk(body=[{"index": {"_index": "products", "_id": "old"}}, {"title": "x"}])
    await search.ensure_alias()  # cannot make the alias over it; says so and leaves it
    assert "products" in cluster.indices and not cluster.alias_of("products")

    report = await search.rebuild(batches([doc("p1")]))

    assert report.switched and cluster.alias_of("products") == [report.index]
    assert set(cluster.indices) == {report.index}
    (switch,) = cluster.sent("POST", "/_aliases")
    assert switch.body["actions"] == [
        {"remove_index": {"index": "products"}},
        {"add": {"index": report.index, "alias": "products", "is_write_index": True}},
    ]


async def test_a_rebuild_goes_live_only_when_every_document_was_written(
    search: OpenSearchProductSearch, cluster: FakeCluster
) -> None:
    first = await search.rebuild(batches([doc("p1"), doc("p2")]))
    assert (first.indexed, first.failed, first.switched) == (2, [], True)

    second = await search.rebuild(batches([doc("p3")], [doc("bad-1")]))

    assert second.failed == [("bad-1", "400: failed to parse field [price]")] and not second.switched
    assert "did not go live" in str(second)
    assert cluster.alias_of("products") == [first.index]
    assert set(cluster.indices) == {first.index}  # the partial index is gone
    assert sorted(await found(search, "tote")) == ["p1", "p2"]


async def test_a_successful_rebuild_refreshes_then_switches_then_drops_the_old_index(
    search: OpenSearchProductSearch, cluster: FakeCluster
) -> None:
    first = await search.rebuild(batches([doc("p1")]))
    cluster.requests.clear()
    second = await search.rebuild(batches([doc("p2")]))

    order = [(r.method, r.path) for r in cluster.requests]
    switch = order.index(("POST", "/_aliases"))
    assert order.index(("POST", f"/{second.index}/_refresh")) < switch < order.index(("DELETE", f"/{first.index}"))
    assert cluster.sent("PUT", f"/{second.index}")[0].body["settings"]["index"]["number_of_replicas"] == 0
    assert cluster.sent("PUT", f"/{second.index}/_settings")[-1].body["index"]["number_of_replicas"] == 1
    assert cluster.alias_of("products") == [second.index] and set(cluster.indices) == {second.index}
    assert await found(search, "tote") == ["p2"]


async def test_this_instance_s_writes_during_a_rebuild_are_in_the_new_index(
    search: OpenSearchProductSearch, cluster: FakeCluster
) -> None:
    await search.ensure_alias()

    async def loading() -> AsyncIterator[Sequence[SearchDocument]]:
        yield [doc("p1", "Canvas Tote"), doc("p2", "Canvas Tote")]
        # Written while the rebuild loads (the listener of an admin edit, a delete): to the old index.
        await search.index_documents([doc("p1", "Rolltop Backpack")])
        await search.remove_documents(["p2"])
        yield [doc("p3", "Canvas Tote")]

    report = await search.rebuild(loading())

    assert report.switched and cluster.alias_of("products") == [report.index]
    assert await found(search, "backpack") == ["p1"]
    assert await found(search, "tote") == ["p3"]


async def test_reindex_catches_up_what_another_instance_wrote_during_the_rebuild(
    fake: tuple[str, FakeCluster], cluster: FakeCluster, search: OpenSearchProductSearch, tmp_path: Path
) -> None:
    store = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    other = adapter_for(fake[0])  # another app instance, with its own listener
    try:
        categories, records = generate_catalog(products=30, seed=5)
        await store.upsert_categories(categories)
        await store.upsert_products(records)
        await search.ensure_alias()
        edited = records[7].product

        def rebuild_bulk(request: Recorded) -> bool:
            return request.path == "/_bulk" and request.body[0]["index"]["_index"] != "products"

        cluster.pause_when = rebuild_bulk
        running = asyncio.create_task(reindex(store, search))
        while not cluster.paused.is_set():  # noqa: ASYNC110 - set by the stand-in's thread
            await asyncio.sleep(0.01)
        # The rebuild has read every product; now another instance edits one and indexes it (old index).
        changed = dataclasses.replace(edited, title="Zanzibar Lantern", updated_at=datetime.now(UTC))
        await store.upsert_products([ProductRecord(changed, records[7].variants)])
        await other.index_documents(await documents(store, [changed]))
        cluster.resume.set()
        report = await running
    finally:
        await other.close()
        await store.close()

    held = next(r for r in cluster.sent("POST", "/_bulk") if rebuild_bulk(r))
    loaded = {line.get("product_id"): line.get("title") for line in held.body}
    assert loaded[edited.id] == edited.title  # the new index was loaded with the title before the edit
    assert report.switched and report.caught_up >= 1
    assert await found(search, "zanzibar") == [edited.id]


async def test_start_up_says_when_the_live_index_needs_a_rebuild_for_this_release_s_mappings(
    search: OpenSearchProductSearch, cluster: FakeCluster, caplog: pytest.LogCaptureFixture
) -> None:
    await search.ensure_alias()
    await search.ensure_alias()
    assert "run `bff reindex`" not in caplog.text
    (index,) = cluster.alias_of("products")
    cluster.indices[index].mappings["_meta"] = {"bff_mapping": 1}  # made by an older release

    await search.ensure_alias()

    assert f"search index '{index}' has mapping version 1, this release needs" in caplog.text
    assert cluster.alias_of("products") == [index]  # searches keep it until `bff reindex`
