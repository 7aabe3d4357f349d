"""Bounded work of the embedded search engine: a broad words search and predictive search read a query's best
sellers and stop, so their work does not grow with the number of matches; the best-selling order follows every
write; what a broad search answers agrees with what scoring every match answers."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bff.backends.local import fts_broad, fts_ranked, fts_suggest
from bff.backends.local.fts_query import run_search
from bff.backends.local.fts_search import FtsProductSearch
from bff.backends.local.fts_suggest import run_suggest
from bff.backends.local.fts_write import NO_RANK
from bff.domain.search import FACET_VENDOR, SearchDocument, SearchRequest
from tests.search_fixtures import batches
from tests.search_fixtures import catalog_docs as generated_docs

COUNT_SQL = "SELECT COUNT(*) FROM fts WHERE fts MATCH ?"


async def catalog_docs(path: Path, products: int) -> list[SearchDocument]:
    return await generated_docs(path, products, seed=5)


async def built(path: Path, docs: Sequence[SearchDocument]) -> Path:
    search = await FtsProductSearch.open(path, readers=0)
    try:
        await search.rebuild(batches(docs))
    finally:
        await search.close()
    return path


@pytest.fixture(scope="module")
async def indexes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The index of a generated catalog of 300 products and of one eight times larger."""
    tmp = tmp_path_factory.mktemp("bounded")
    small = await built(tmp / "small.sqlite3", await catalog_docs(tmp / "small-catalog.sqlite3", 300))
    large = await built(tmp / "large.sqlite3", await catalog_docs(tmp / "large-catalog.sqlite3", 2_400))
    return small, large


@pytest.fixture
def small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounds a catalog of 300 products already passes, so both catalogs take the bounded paths."""
    monkeypatch.setattr(fts_broad, "EXACT_BOUND", 5)
    monkeypatch.setattr(fts_broad, "HEAD", 8)
    monkeypatch.setattr(fts_suggest, "HEAD", 8)
    monkeypatch.setattr(fts_suggest, "SCORED", 16)


def work(path: Path, fn: Callable[[sqlite3.Connection], Any]) -> tuple[Any, int, list[str]]:
    """What ``fn`` answers in one read transaction, the SQLite virtual-machine steps (in tens) it took and the
    statements it ran (with their arguments)."""
    steps = [0]
    statements: list[str] = []
    conn = sqlite3.connect(path, isolation_level=None)
    try:

        def step() -> int:
            steps[0] += 1
            return 0

        conn.set_trace_callback(statements.append)
        conn.set_progress_handler(step, 10)
        conn.execute("BEGIN")
        answer = fn(conn)
        conn.execute("COMMIT")
        return answer, steps[0], statements
    finally:
        conn.close()


def counting(path: Path, statements: list[str]) -> int:
    """The steps of the exact counts of the matches among ``statements``, each run alone."""
    counts = [sql for sql in statements if sql.startswith(COUNT_SQL.removesuffix("?"))]
    return sum(work(path, lambda conn, sql=sql: conn.execute(sql).fetchall())[1] for sql in counts)


def matches(path: Path, expression: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(COUNT_SQL, (expression,)).fetchone()[0])


@pytest.mark.parametrize("words", ["shirt", "leather bag", "cotton"])
@pytest.mark.usefixtures("small_bounds")
async def test_a_broad_search_costs_the_same_whatever_its_matches_but_counting_them(
    indexes: tuple[Path, Path], words: str
) -> None:
    small, large = indexes
    request = SearchRequest(words, limit=5, with_total=True, with_facets=True)
    (small_found, small_steps, small_sql), (large_found, large_steps, large_sql) = (
        work(path, lambda conn: run_search(conn, request)) for path in (small, large)
    )
    assert large_found.total > 4 * small_found.total > 4 * fts_broad.HEAD, (small_found.total, large_found.total)
    assert len(large_found.product_ids) == 5 and large_found.has_more
    # Counting the matches exactly is the only work that grows with them (FTS5 counts its lists).
    small_rest = small_steps - counting(small, small_sql)
    large_rest = large_steps - counting(large, large_sql)
    assert counting(large, large_sql) > 0
    assert large_rest <= small_rest * 1.5 + 20, (small_rest, large_rest)


@pytest.mark.parametrize("typed", ["wo", "s", "linen s", "leath", "cott"])
@pytest.mark.usefixtures("small_bounds")
async def test_predictive_search_costs_the_same_whatever_its_matches(indexes: tuple[Path, Path], typed: str) -> None:
    small, large = indexes
    (_, small_steps, _), (large_found, large_steps, _) = (
        work(path, lambda conn: run_suggest(conn, typed, 5)) for path in (small, large)
    )
    assert large_found[0] and large_found[2], large_found
    assert large_steps <= small_steps * 1.5 + 20, (small_steps, large_steps)


async def test_a_broad_search_agrees_with_scoring_every_match(
    indexes: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, large = indexes
    monkeypatch.setattr(fts_broad, "EXACT_BOUND", 20)
    monkeypatch.setattr(fts_broad, "HEAD", 100)
    request = SearchRequest("leather bag", limit=24, with_total=True, with_facets=True)
    whole = SearchRequest("leather bag", limit=100_000, with_total=True, with_facets=True)
    broad, *_ = work(large, lambda conn: run_search(conn, request))
    monkeypatch.setattr(fts_broad, "EXACT_BOUND", 10**9)
    exact, *_ = work(large, lambda conn: run_search(conn, whole))
    deep_request = dataclasses.replace(request, offset=150)
    assert exact.total > fts_broad.HEAD
    # The total is exact, the page holds matches, and a page past the best sellers is the exact one.
    assert broad.total == exact.total
    assert set(broad.product_ids) <= set(exact.product_ids)
    monkeypatch.setattr(fts_broad, "EXACT_BOUND", 20)
    deep, *_ = work(large, lambda conn: run_search(conn, deep_request))
    assert deep.product_ids == exact.product_ids[150:174]
    # The facets list the values the matches hold, counted about as often as they are.
    exact_vendors = {v.value: v.count for f in exact.facets if f.id == FACET_VENDOR for v in f.values}
    broad_vendors = {v.value: v.count for f in broad.facets if f.id == FACET_VENDOR for v in f.values}
    assert set(broad_vendors) <= set(exact_vendors)
    assert abs(sum(broad_vendors.values()) - exact.total) <= len(broad_vendors)
    top = max(exact_vendors, key=lambda v: exact_vendors[v])
    assert broad_vendors[top] == pytest.approx(exact_vendors[top], rel=0.5)


def ranked_rows(path: Path) -> tuple[list[int], list[int]]:
    """The ``ranked`` rowids, and the keys the documents' sales ranks give them."""
    with sqlite3.connect(path) as conn:
        rows = sorted(r[0] for r in conn.execute("SELECT rowid FROM ranked"))
        keys = sorted(fts_ranked.key(r[0], r[1]) for r in conn.execute("SELECT rank_key, rowid FROM docs"))
    return rows, keys


async def test_the_best_selling_order_follows_writes_and_an_older_index_gains_it(tmp_path: Path) -> None:
    docs = await catalog_docs(tmp_path / "catalog.sqlite3", 60)
    path = tmp_path / "search.sqlite3"
    search = await FtsProductSearch.open(path, readers=0)
    await search.rebuild(batches(docs))
    first, second = docs[0], docs[1]
    await search.index_documents([dataclasses.replace(first, sales_rank=1, title="Linen Sunhat")])
    await search.index_documents([dataclasses.replace(second, sales_rank=0)])
    await search.remove_documents([docs[2].id])
    assert (await search.suggest("sunh", 5)).product_ids[:1] == [first.id]
    await search.close()
    rows, keys = ranked_rows(path)
    assert rows == keys and len(rows) == len(docs) - 1
    assert any(k >> 32 == NO_RANK for k in keys)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM ranked")
    again = await FtsProductSearch.open(path, readers=0)
    try:
        assert (await again.suggest("sunh", 5)).product_ids[:1] == [first.id]
    finally:
        await again.close()
    assert ranked_rows(path) == (rows, keys)


async def test_a_one_letter_word_filters_what_the_other_words_find(indexes: tuple[Path, Path]) -> None:
    _, large = indexes
    (products, _, queries), *_ = work(large, lambda conn: run_suggest(conn, "linen s", 5))
    (scored, _, _), *_ = work(large, lambda conn: run_suggest(conn, "linen sh", 5))
    assert products and all(q.startswith("linen s") for q in queries)
    with sqlite3.connect(large) as conn:
        for pid in products:
            text = conn.execute(
                "SELECT r.title || ' ' || r.brand || ' ' || r.category FROM ranked r JOIN docs d "
                f"ON d.rowid = r.rowid & {fts_ranked.DOC_MASK} WHERE d.product_id = ?",
                (pid,),
            ).fetchone()[0]
            words = text.lower().split()
            assert "linen" in words and any(w.startswith("s") for w in words), text
    assert scored and set(scored) <= set(products) | set(scored)
    assert matches(large, '"linen" AND "s"*') > len(products)
