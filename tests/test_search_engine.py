"""The embedded search engine on its own: its reader connections, its facet counts, its answers under load."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bff.backends.local.fts_search import FtsProductSearch
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.sqlite_readers import SqliteReaders
from bff.backends.search_indexer import catalog_pages, documents
from bff.catalog_io import generate_catalog
from bff.domain.catalog import ProductQuery
from bff.domain.search import (
    FACET_AVAILABLE,
    FACET_PRICE,
    FACET_PRODUCT_TYPE,
    FACET_VENDOR,
    SearchDocument,
    SearchRequest,
    SearchResult,
    SearchSort,
)


def doc(pid: str, title: str, vendor: str = "Acme") -> SearchDocument:
    return SearchDocument(
        id=pid,
        handle=pid,
        title=title,
        description="",
        vendor=vendor,
        product_type="Lamp",
        tags=(),
        category_id="cat-home",
        category_path=(("cat-home", "Home"),),
        price=Decimal(10),
        available=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        sales_rank=0,
    )


async def batches(docs: Sequence[SearchDocument]) -> AsyncIterator[Sequence[SearchDocument]]:
    yield docs


@pytest.fixture(scope="module")
async def catalog_docs(tmp_path_factory: pytest.TempPathFactory) -> list[SearchDocument]:
    """The search documents of a generated catalog of 300 products, as the indexer makes them."""
    store = await SqliteCatalogStore.open(tmp_path_factory.mktemp("catalog") / "catalog.sqlite3")
    try:
        categories, records = generate_catalog(products=300, seed=11)
        await store.upsert_categories(categories)
        await store.upsert_products(records)
        return [d async for page in catalog_pages(store) for d in await documents(store, page)]
    finally:
        await store.close()


@pytest.fixture
async def engine(tmp_path: Path, catalog_docs: list[SearchDocument]) -> AsyncIterator[FtsProductSearch]:
    search = await FtsProductSearch.open(tmp_path / "search.sqlite3", readers=3)
    await search.rebuild(batches(catalog_docs))
    yield search
    await search.close()


async def ids_everywhere(search: FtsProductSearch, text: str) -> set[tuple[str, ...]]:
    """What a search finds, asked by a dozen searches at once (spread over the readers)."""
    results = await asyncio.gather(*(search.search(SearchRequest(text)) for _ in range(12)))
    return {tuple(r.product_ids) for r in results}


async def test_readers_see_writes_removals_and_a_rebuild_as_soon_as_they_return(tmp_path: Path) -> None:
    search = await FtsProductSearch.open(tmp_path / "search.sqlite3", readers=3)
    try:
        await search.rebuild(batches([doc("p1", "Brass Quokka Lantern")]))
        assert await ids_everywhere(search, "quokka") == {("p1",)}

        await search.index_documents([doc("p2", "Copper Quokka Lantern")])
        assert await ids_everywhere(search, "copper quokka") == {("p2",)}

        await search.remove_documents(["p1"])
        assert await ids_everywhere(search, "quokka") == {("p2",)}

        await search.rebuild(batches([doc("p3", "Marble Wombat Clock")]))
        assert await ids_everywhere(search, "quokka") == {()}
        assert await ids_everywhere(search, "wombat") == {("p3",)}
    finally:
        await search.close()


async def test_searches_during_rebuilds_see_the_old_index_or_the_new_one(tmp_path: Path) -> None:
    lamps = [doc(f"l{i}", f"Brass Quokka Lamp {i}", vendor="Acme") for i in range(30)]
    clocks = [doc(f"c{i}", f"Marble Quokka Clock {i}", vendor="Orbit") for i in range(20)]
    search = await FtsProductSearch.open(tmp_path / "search.sqlite3", readers=3)
    request = SearchRequest("quokka", limit=5, with_facets=True)
    try:
        answers: list[SearchResult] = []
        for docs in (lamps, clocks):
            await search.rebuild(batches(docs))
            answers.append(await search.search(request))
        assert answers[0] != answers[1]
        rebuilding = True

        async def keep_searching() -> int:
            runs = 0
            while rebuilding or not runs:
                assert await search.search(request) in answers
                runs += 1
            return runs

        searchers = [asyncio.ensure_future(keep_searching()) for _ in range(4)]
        for docs in (lamps, clocks) * 3:
            await search.rebuild(batches(docs))
        rebuilding = False
        assert sum(await asyncio.gather(*searchers)) >= 4
    finally:
        await search.close()


async def test_a_search_sees_one_state_of_the_index_from_its_first_query_to_its_last(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE docs (id TEXT)")
    writer.execute("INSERT INTO docs VALUES ('p1')")
    readers = SqliteReaders(path, 1, "test-reader")
    first_query_done, write_done = threading.Event(), threading.Event()

    def two_counts(conn: sqlite3.Connection) -> tuple[int, int]:
        before = conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
        first_query_done.set()
        assert write_done.wait(10)
        return before, conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    try:
        call = asyncio.ensure_future(readers.run(two_counts))
        assert await asyncio.to_thread(first_query_done.wait, 10)
        writer.execute("INSERT INTO docs VALUES ('p2')")
        write_done.set()
        assert await call == (1, 1)
        assert await readers.run(lambda conn: conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]) == 2
    finally:
        await readers.close()
        writer.close()


REQUESTS = [
    SearchRequest("shirt", limit=48, with_facets=True),
    SearchRequest("leather backpack", limit=10, with_facets=True),
    SearchRequest("jacket", ProductQuery(available=True, max_price=Decimal(150)), sort=SearchSort.PRICE),
    SearchRequest("cotton", sort=SearchSort.NEWEST, reverse=True, offset=5, limit=5),
    SearchRequest("jackte", limit=3),
    SearchRequest(None, ProductQuery(), limit=0, with_total=False, with_facets=True),
]


async def test_searches_at_the_same_time_answer_as_one_at_a_time(
    tmp_path: Path, catalog_docs: list[SearchDocument]
) -> None:
    one_at_a_time = await FtsProductSearch.open(tmp_path / "a.sqlite3", readers=0)
    side_by_side = await FtsProductSearch.open(tmp_path / "b.sqlite3", readers=4)
    try:
        for search in (one_at_a_time, side_by_side):
            await search.rebuild(batches(catalog_docs))
        expected = [await one_at_a_time.search(r) for r in REQUESTS]
        assert all(e.product_ids or e.facets for e in expected)
        answers = await asyncio.gather(*(side_by_side.search(r) for r in REQUESTS * 8))
        assert answers == expected * 8
    finally:
        await one_at_a_time.close()
        await side_by_side.close()


async def test_each_facet_value_counts_what_choosing_it_finds(engine: FtsProductSearch) -> None:
    everything = {f.id: f for f in (await engine.search(SearchRequest("leather backpack", with_facets=True))).facets}
    types = tuple(str(v.value) for v in everything[FACET_PRODUCT_TYPE].values[:2])
    vendor = str(everything[FACET_VENDOR].values[0].value)
    checked = 0
    for filters in (
        ProductQuery(),
        ProductQuery(available=True, min_price=Decimal(20)),
        ProductQuery(max_price=Decimal(120), product_types=types),
        ProductQuery(vendors=(vendor,), available=False),
    ):
        faceted = await engine.search(SearchRequest("leather backpack", filters, with_facets=True))
        assert sum(v.count for v in {f.id: f for f in faceted.facets}[FACET_AVAILABLE].values) >= faceted.total
        for facet in faceted.facets:
            for value in facet.values:
                narrowed = await engine.search(
                    SearchRequest("leather backpack", _choose(filters, facet.id, value.value))
                )
                assert narrowed.total == value.count, (filters, facet.id, value)
                checked += 1
    assert checked > 40


async def test_a_facet_counts_without_its_own_filter(engine: FtsProductSearch) -> None:
    everything = {f.id: f for f in (await engine.search(SearchRequest("leather backpack", with_facets=True))).facets}
    chosen = ProductQuery(
        vendors=tuple(str(v.value) for v in everything[FACET_VENDOR].values[:8]),
        product_types=tuple(str(v.value) for v in everything[FACET_PRODUCT_TYPE].values[:5]),
        available=True,
        min_price=Decimal(20),
    )
    unchosen = {
        FACET_VENDOR: dataclasses.replace(chosen, vendors=()),
        FACET_PRODUCT_TYPE: dataclasses.replace(chosen, product_types=()),
        FACET_AVAILABLE: dataclasses.replace(chosen, available=None),
        FACET_PRICE: dataclasses.replace(chosen, min_price=None),
    }
    faceted = {
        f.id: f for f in (await engine.search(SearchRequest("leather backpack", chosen, with_facets=True))).facets
    }
    for facet_id, without_it in unchosen.items():
        alone = {
            f.id: f
            for f in (await engine.search(SearchRequest("leather backpack", without_it, with_facets=True))).facets
        }
        assert faceted[facet_id] == alone[facet_id]
        assert len(alone[facet_id].values) > 1, facet_id


def _choose(q: ProductQuery, facet_id: str, value: object) -> ProductQuery:
    """``q`` with one facet value chosen in place of that facet's own filter."""
    if facet_id.endswith("vendor"):
        return dataclasses.replace(q, vendors=(str(value),))
    if facet_id.endswith("product_type"):
        return dataclasses.replace(q, product_types=(str(value),))
    if facet_id.endswith("category"):
        return dataclasses.replace(q, category_id=str(value))
    if facet_id.endswith("availability"):
        return dataclasses.replace(q, available=bool(value))
    assert isinstance(value, tuple)
    low, high = value
    # A bucket is [low, high): the highest price below ``high`` in cents stands in for the open end.
    return dataclasses.replace(q, min_price=low, max_price=None if high is None else high - Decimal("0.01"))


async def test_facets_leave_the_page_and_the_total_as_they_are(engine: FtsProductSearch) -> None:
    vendors = {f.id: f for f in (await engine.search(SearchRequest("leather", with_facets=True))).facets}
    vendor = str(vendors[FACET_VENDOR].values[0].value)
    for text in ("shirt", "leather backpack", "wool"):
        for filters in (ProductQuery(), ProductQuery(available=False), ProductQuery(vendors=(vendor,))):
            plain = await engine.search(SearchRequest(text, filters, limit=7))
            faceted = await engine.search(SearchRequest(text, filters, limit=7, with_facets=True))
            assert (faceted.product_ids, faceted.total, faceted.has_more) == (
                plain.product_ids,
                plain.total,
                plain.has_more,
            )
            without_total = await engine.search(SearchRequest(text, filters, limit=7, with_total=False))
            assert (without_total.product_ids, without_total.total) == (plain.product_ids, -1)
