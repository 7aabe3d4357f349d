"""Facet counts the embedded search engine keeps on write: a browse's facets and total read from them count what
listing each choice finds, they follow every write, and their work does not grow with the catalog."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from bff.backends.local import fts_facet_counts, fts_schema
from bff.backends.local.fts_query import run_search
from bff.backends.local.fts_search import PRAGMAS, FtsProductSearch
from bff.domain.catalog import ProductQuery
from bff.domain.search import FACET_CATEGORY, FACET_VENDOR, SearchDocument, SearchRequest
from tests.opening_together import open_together
from tests.search_fixtures import batches
from tests.search_fixtures import catalog_docs as generated_docs

# Price filters: none, one chosen from the price facet (an aligned bucket), arbitrary bounds, both bounds inside
# one bucket, a lower bound only, an upper bound on a bucket's edge.
PRICES = [
    (None, None),
    (Decimal(50), Decimal("99.99")),
    (None, Decimal(150)),
    (Decimal("30.5"), Decimal(42)),
    (Decimal(230), None),
    (None, Decimal(100)),
]


async def catalog_docs(path: Path, products: int) -> list[SearchDocument]:
    return await generated_docs(path, products, seed=3)


@pytest.fixture(scope="module")
async def docs(tmp_path_factory: pytest.TempPathFactory) -> list[SearchDocument]:
    return await catalog_docs(tmp_path_factory.mktemp("catalog") / "catalog.sqlite3", 300)


@pytest.fixture
async def engine(tmp_path: Path, docs: list[SearchDocument]) -> AsyncIterator[FtsProductSearch]:
    search = await FtsProductSearch.open(tmp_path / "search.sqlite3", readers=1)
    await search.rebuild(batches(docs))
    yield search
    await search.close()


async def listed(engine: FtsProductSearch, q: ProductQuery) -> int:
    """How many products a browse lists (its page, read from the documents, not from the counts)."""
    found = await engine.search(SearchRequest(None, q, limit=100_000, with_total=False))
    return len(found.product_ids)


def _choose(q: ProductQuery, facet_id: str, value: object) -> ProductQuery:
    if facet_id == FACET_VENDOR:
        return dataclasses.replace(q, vendors=(str(value),))
    if facet_id.endswith("product_type"):
        return dataclasses.replace(q, product_types=(str(value),))
    if facet_id == FACET_CATEGORY:
        return dataclasses.replace(q, category_id=str(value))
    if facet_id.endswith("availability"):
        return dataclasses.replace(q, available=bool(value))
    low, high = value  # type: ignore[misc]
    return dataclasses.replace(q, min_price=low, max_price=None if high is None else high - Decimal("0.01"))


async def check_browses(engine: FtsProductSearch, docs: list[SearchDocument]) -> int:
    """Every browse's total and facet values against what listing the same choice finds; the values checked."""
    root = next(cid for d in docs for cid, _ in d.category_path[:1])
    leaf = docs[0].category_id
    vendor = docs[0].vendor
    checked = 0
    for category in (None, root, leaf):
        for low, high in PRICES:
            for extra in ({}, {"available": True}, {"vendors": (vendor,)}):
                q = ProductQuery(category_id=category, min_price=low, max_price=high, **extra)  # type: ignore[arg-type]
                found = await engine.search(SearchRequest(None, q, limit=0, with_facets=True))
                assert found.total == await listed(engine, q), q
                assert found.has_more == (found.total > 0)
                for facet in found.facets:
                    for value in facet.values:
                        chosen = _choose(q, facet.id, value.value)
                        assert value.count == await listed(engine, chosen), (q, facet.id, value)
                        checked += 1
                counted = await engine.search(SearchRequest(None, q, limit=0, with_total=True))
                assert counted.total == found.total
    return checked


async def test_a_browse_counts_what_listing_each_choice_finds(
    engine: FtsProductSearch, docs: list[SearchDocument]
) -> None:
    assert await check_browses(engine, docs) > 500


def stored(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM facet_counts WHERE hits > 0 ORDER BY 1, 2, 3, 4, 5, 6").fetchall()


def counted_again(path: Path) -> list[tuple[object, ...]]:
    """The counts made from scratch from the documents as they are now (rolled back afterwards)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        fts_facet_counts.fill(conn, "")
        return conn.execute("SELECT * FROM facet_counts WHERE hits > 0 ORDER BY 1, 2, 3, 4, 5, 6").fetchall()
    finally:
        conn.execute("ROLLBACK")
        conn.close()


async def test_counts_follow_updates_moves_removals_and_additions(
    engine: FtsProductSearch, docs: list[SearchDocument], tmp_path: Path
) -> None:
    path = tmp_path / "search.sqlite3"
    assert stored(path) == counted_again(path) and len(stored(path)) > 100
    other = next(d for d in docs if d.category_path[0] != docs[0].category_path[0])
    changed = [
        dataclasses.replace(docs[0], vendor="Brand New Brand"),
        dataclasses.replace(docs[1], price=docs[1].price + Decimal(180)),  # into another price bucket
        dataclasses.replace(docs[2], available=not docs[2].available),
        dataclasses.replace(docs[3], category_id=other.category_id, category_path=other.category_path),
        dataclasses.replace(docs[4], category_id=None, category_path=()),
        dataclasses.replace(docs[5], price=Decimal(-1)),  # outside every bucket
        dataclasses.replace(docs[6], id="brand-new-product", handle="brand-new-product"),
        docs[7],  # written again as it is
    ]
    await engine.index_documents(changed)
    await engine.remove_documents([docs[8].id, docs[9].id, "never-indexed"])
    assert stored(path) == counted_again(path)
    now = {d.id: d for d in docs if d.id not in (docs[8].id, docs[9].id)} | {d.id: d for d in changed}
    assert await check_browses(engine, list(now.values())) > 500


async def test_an_index_written_before_counts_were_kept_gains_them_and_prices_by_category_when_opened(
    docs: list[SearchDocument], tmp_path: Path
) -> None:
    path = tmp_path / "search.sqlite3"
    engine = await FtsProductSearch.open(path, readers=1)
    await engine.rebuild(batches(docs))
    await engine.close()
    counts = stored(path)
    with sqlite3.connect(path) as conn:  # as an earlier version left it: no counts, no prices by category
        conn.execute("DELETE FROM facet_counts")
        (price_index,) = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'doc_categories' AND sql LIKE '%price%'"
        ).fetchone()
        conn.execute(f"DROP INDEX {price_index}")
        conn.execute("ALTER TABLE doc_categories DROP COLUMN price")
    assert stored(path) == []
    reopened = await FtsProductSearch.open(path, readers=1)
    try:
        assert stored(path) == counts
        assert await check_browses(reopened, docs) > 500
    finally:
        await reopened.close()


async def test_opening_an_index_again_adds_no_index(engine: FtsProductSearch, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"

    def indexes() -> list[str]:
        with sqlite3.connect(path) as conn:
            return sorted(r[0] for r in conn.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'index'"))

    before = indexes()
    for _ in range(3):
        again = await FtsProductSearch.open(path, readers=0)
        await again.close()
    assert indexes() == before
    assert "docs" in before and "doc_categories" in before


def index_columns(path: Path) -> list[tuple[str, str]]:
    """Every index of the set (its table and columns, not its name, which carries a random token)."""
    with sqlite3.connect(path) as conn:
        named = conn.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        return sorted(
            (table, ", ".join(c[2] for c in conn.execute(f"PRAGMA index_info({name})"))) for table, name in named
        )


def ranked_rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM ranked").fetchone()[0])


def open_index_together(path: Path, processes: int = 4) -> list[Exception]:
    """``processes`` servers opening the search index at ``path`` at the same moment."""
    return open_together(path, ("journal_mode=WAL", "synchronous=NORMAL", *PRAGMAS), fts_schema.create, processes)


async def test_servers_opening_an_index_at_once_add_each_index_and_count_once(
    docs: list[SearchDocument], tmp_path: Path
) -> None:
    alone = tmp_path / "alone.sqlite3"
    assert open_index_together(alone, processes=1) == []
    fresh = index_columns(alone)
    assert len(fresh) >= 4
    for attempt in range(5):  # a fresh file
        path = tmp_path / f"fresh-{attempt}.sqlite3"
        assert open_index_together(path) == []
        assert index_columns(path) == fresh
    path = tmp_path / "search.sqlite3"  # a file of an earlier version: no counts, no best-selling order
    engine = await FtsProductSearch.open(path, readers=1)
    await engine.rebuild(batches(docs))
    await engine.close()
    counts, ranked = stored(path), ranked_rows(path)
    for _ in range(20):  # (an unguarded open collides on some attempts, not on every one)
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM facet_counts")
            conn.execute("DELETE FROM ranked")
        assert open_index_together(path) == []
        assert stored(path) == counts and ranked_rows(path) == ranked
        assert index_columns(path) == fresh


def browse_work(path: Path, q: ProductQuery) -> int:
    """SQLite virtual-machine steps (in hundreds) of a category page's facets."""
    steps: list[int] = []
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.set_progress_handler(lambda: steps.append(1), 100)  # type: ignore[func-returns-value]
        conn.execute("BEGIN")
        found = run_search(conn, SearchRequest(None, q, limit=0, with_facets=True))
        conn.execute("COMMIT")
        assert found.total > 0
        return len(steps)
    finally:
        conn.close()


async def test_a_category_pages_facets_cost_the_same_in_a_catalog_eight_times_larger(
    engine: FtsProductSearch, docs: list[SearchDocument], tmp_path: Path
) -> None:
    large_docs = await catalog_docs(tmp_path / "large-catalog.sqlite3", 2_400)
    large = await FtsProductSearch.open(tmp_path / "large.sqlite3", readers=0)
    try:
        await large.rebuild(batches(large_docs))
    finally:
        await large.close()
    root = docs[0].category_path[0][0]
    for q in (
        ProductQuery(category_id=root),
        ProductQuery(category_id=root, available=True, vendors=(docs[0].vendor,)),
        ProductQuery(category_id=root, min_price=Decimal(50), max_price=Decimal("99.99")),
        ProductQuery(),
    ):
        small_work = browse_work(tmp_path / "search.sqlite3", q)
        large_work = browse_work(tmp_path / "large.sqlite3", q)
        # Grouping the products would take ~8x the steps; the kept counts grow only with the facet values.
        assert large_work <= small_work * 2 + 10, (q, small_work, large_work)
