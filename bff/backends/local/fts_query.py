"""Reading the embedded index: query planning (prefixes, typo correction), filters, sorting, counts.

Every function takes a connection and runs on one of the adapter's reader threads. The text part is planned
word by word: a word the index knows is searched as is (FTS5 stems it), a word that only starts indexed
words is a prefix, anything else is replaced by the closest indexed word within OpenSearch's AUTO fuzziness
(trigram candidates, then edit distance, ties to the more frequent word). A correction must be a word of the
fields shoppers search by (title, brand, type/category/tags): a word that only descriptions use ("easy to
care for") would turn a query that matches nothing ("café") into many unrelated hits. While typing, the last
word is corrected as a prefix ("hedph" -> "headph"). All words must match; when that finds nothing a
multi-word query is relaxed to any word, ranked by BM25 with field weights. Only the page is scored; the
total and the facets (``fts_facets``) count matches without scoring them. A query with many matches is ranked
and its facets counted from its best sellers only (``fts_broad``); its total stays exact.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from bff.backends.local import fts_broad, fts_facet_counts, fts_facets
from bff.backends.local.search_text import edit_distance, max_edits, query_terms, trigrams
from bff.domain.catalog import ProductQuery
from bff.domain.search import Facet, SearchRequest, SearchResult, SearchSort

# bm25() weights per FTS column: title, brand, category (type, category path, tags), description.
BM25 = "bm25(fts, 10.0, 5.0, 4.0, 1.0)"
CANDIDATES = 60
# The columns shoppers name things by (everything but the description), as an FTS5 column filter.
NAMED_FIELDS = "{title brand category}"


@dataclass(slots=True)
class Plan:
    """The FTS5 expression of each word, and the words as they will be searched (after correction)."""

    expressions: list[str]
    words: list[str]
    corrected: bool


def _known(conn: sqlite3.Connection, term: str) -> bool:
    if conn.execute("SELECT 1 FROM terms WHERE term = ?", (term,)).fetchone():
        return True
    # A form the vocabulary lacks may still match through stemming ("backpacks").
    return conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (f'"{term}"',)).fetchone() is not None


def _has_prefix(conn: sqlite3.Connection, term: str) -> bool:
    row = conn.execute("SELECT 1 FROM terms WHERE term > ? AND term < ? LIMIT 1", (term, term + "\uffff"))
    return row.fetchone() is not None


def _in_named_fields(conn: sqlite3.Connection, expression: str) -> bool:
    """Whether ``expression`` matches a title, brand or category text (not only a description)."""
    named = f"{NAMED_FIELDS} : {expression}"
    return conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (named,)).fetchone() is not None


def closest_term(conn: sqlite3.Connection, term: str, prefix: bool = False) -> str | None:
    """The indexed word nearest ``term`` (or, with ``prefix``, the nearest start of one), or ``None``."""
    limit = max_edits(term)
    if limit == 0:
        return None
    grams = sorted(trigrams(term))
    marks = ",".join("?" * len(grams))
    longest = 1_000 if prefix else len(term) + limit
    rows = conn.execute(
        f"SELECT g.term, t.df FROM term_grams g JOIN terms t ON t.term = g.term WHERE g.gram IN ({marks}) "
        "AND t.len BETWEEN ? AND ? GROUP BY g.term ORDER BY COUNT(*) DESC, t.df DESC LIMIT ?",
        (*grams, len(term) - limit, longest, CANDIDATES),
    ).fetchall()
    ranked: list[tuple[int, int, str]] = []
    for candidate, df in rows:
        if prefix:
            # The shopper is mid-word: compare with the candidate's starts of about the typed length.
            starts = {candidate[:n] for n in range(max(1, len(term) - limit), len(term) + limit + 1)}
            distance, form = min((edit_distance(term, s, limit), s) for s in starts)
            if form[0] != term[0]:
                continue  # like OpenSearch's prefix_length 1: a first letter is rarely the typo
        else:
            distance, form = edit_distance(term, candidate, limit), candidate
        if distance <= limit:
            ranked.append((distance, -df, form))
    for _, _, form in sorted(ranked):
        if _in_named_fields(conn, f'"{form}"*' if prefix else f'"{form}"'):
            return form
    return None


def plan(conn: sqlite3.Connection, terms: list[str], prefix_last: bool) -> Plan:
    expressions: list[str] = []
    searched: list[str] = []
    corrected = False
    for i, term in enumerate(terms):
        last = i == len(terms) - 1
        typing = prefix_last and last
        if typing and _has_prefix(conn, term):
            expressions.append(f'"{term}"*')
            searched.append(term)
        elif _known(conn, term):
            expressions.append(f'"{term}"')
            searched.append(term)
        elif len(term) >= 3 and _has_prefix(conn, term):
            expressions.append(f'"{term}"*')
            searched.append(term)
        elif (fixed := closest_term(conn, term, prefix=typing)) is not None:
            expressions.append(f'"{fixed}"*' if typing else f'"{fixed}"')
            searched.append(fixed)
            corrected = True
        else:
            expressions.append(f'"{term}"')
            searched.append(term)
    return Plan(expressions, searched, corrected)


def scope_filters(q: ProductQuery) -> tuple[list[str], list[Any]]:
    """The filters that are not facets: the category subtree and tags."""
    where: list[str] = []
    args: list[Any] = []
    if q.category_id is not None:
        where.append("d.rowid IN (SELECT doc FROM doc_categories WHERE category_id = ?)")
        args.append(q.category_id)
    if q.tags:
        where.append(f"d.rowid IN (SELECT doc FROM doc_tags WHERE tag IN ({','.join('?' * len(q.tags))}))")
        args.extend(q.tags)
    return where, args


def filters(q: ProductQuery) -> tuple[list[str], list[Any]]:
    where, args = scope_filters(q)
    for column, values in (("vendor", q.vendors), ("product_type", q.product_types)):
        if values:
            where.append(f"d.{column} IN ({','.join('?' * len(values))})")
            args.extend(values)
    if q.available is not None:
        where.append("d.available = ?")
        args.append(int(q.available))
    price, price_args = fts_facets.price_test(q)
    if price_args:
        where.append(price)
        args.extend(price_args)
    return where, args


def _order(sort: SearchSort, reverse: bool, with_text: bool) -> str:
    asc, desc = ("DESC", "ASC") if reverse else ("ASC", "DESC")
    if sort is SearchSort.RELEVANCE and with_text:
        return f"h.score {asc}, d.rank_key {asc}, d.rowid {asc}"
    if sort is SearchSort.PRICE:
        return f"d.price {asc}, d.rank_key ASC, d.rowid {asc}"
    if sort is SearchSort.NEWEST:
        return f"d.created_at {desc}, d.rowid {desc}"
    return f"d.rank_key {asc}, d.rowid {asc}"


@dataclass(frozen=True, slots=True)
class Hits:
    """The rows a request ranges over: the documents matching an FTS5 expression, or every document.

    Matches are joined to ``docs`` match first (CROSS JOIN fixes the order): without statistics SQLite
    would rather scan every document and look each one up among the matches.
    """

    match: str | None

    def source(self, scored: bool = False) -> tuple[str, tuple[Any, ...]]:
        if self.match is None:
            return "docs d", ()
        score = f", {BM25} AS score" if scored else ""
        sub = f"SELECT rowid{score} FROM fts WHERE fts MATCH ?"
        return f"({sub}) h CROSS JOIN docs d ON d.rowid = h.rowid", (self.match,)

    def query(
        self,
        conn: sqlite3.Connection,
        select: str,
        where: tuple[list[str], list[Any]],
        tail: str = "",
        extra: tuple[Any, ...] = (),
        scored: bool = False,
    ) -> list[Any]:
        source, source_args = self.source(scored)
        clause = f" WHERE {' AND '.join(where[0])}" if where[0] else ""
        sql = f"SELECT {select} FROM {source}{clause} {tail}"
        return conn.execute(sql, (*source_args, *where[1], *extra)).fetchall()

    def any(self, conn: sqlite3.Connection) -> bool:
        return bool(self.query(conn, "1", ([], []), "LIMIT 1"))

    def count(self, conn: sqlite3.Connection, q: ProductQuery) -> int:
        where = filters(q)
        if self.match is not None and not where[0]:
            # Every indexed row has its document (both are written in one transaction): no join needed.
            return int(conn.execute("SELECT COUNT(*) FROM fts WHERE fts MATCH ?", (self.match,)).fetchone()[0])
        return int(self.query(conn, "COUNT(*)", where)[0][0])


def _page(conn: sqlite3.Connection, hits: Hits, req: SearchRequest) -> tuple[list[str], bool]:
    """The ids of the requested page, and whether more follow."""
    where = filters(req.filters)
    if req.limit == 0:
        return [], bool(hits.query(conn, "1", where, "LIMIT 1 OFFSET ?", (req.offset,)))
    scored = req.sort is SearchSort.RELEVANCE and hits.match is not None
    order = _order(req.sort, req.reverse, hits.match is not None)
    tail = f"ORDER BY {order} LIMIT ? OFFSET ?"
    rows = hits.query(conn, "d.product_id", where, tail, (req.limit + 1, req.offset), scored=scored)
    return [r[0] for r in rows[: req.limit]], len(rows) > req.limit


def _count(conn: sqlite3.Connection, hits: Hits, req: SearchRequest, matches: int) -> int:
    """The hits passing the filters: ``matches`` (counted without filters, -1 if not) when there are none."""
    return matches if matches >= 0 and not filters(req.filters)[0] else hits.count(conn, req.filters)


def run_search(conn: sqlite3.Connection, req: SearchRequest) -> SearchResult:
    """Call it inside one read transaction: its statements must all see the same index."""
    corrected: str | None = None
    hits = Hits(None)
    if req.text is not None:
        terms = query_terms(req.text)
        if not terms:
            return SearchResult(product_ids=[], total=0, has_more=False)
        p = plan(conn, terms, prefix_last=False)
        hits = Hits(" AND ".join(p.expressions))
        if len(p.expressions) > 1 and not hits.any(conn):
            hits = Hits(" OR ".join(p.expressions))
        corrected = " ".join(p.words) if p.corrected else None
    # A browse's groups are kept on write (``fts_facet_counts``): its facets and total read them.
    stored = None
    if hits.match is None and (req.with_facets or req.with_total):
        stored = fts_facet_counts.stored_groups(conn, req.filters)
    # A broad query's page and facets come from its best sellers (``fts_broad``); its total stays exact.
    page: tuple[list[str], bool] | None = None
    sampled = False
    matches = -1  # of the words, without filters
    rank = req.sort is SearchSort.RELEVANCE and req.limit > 0
    if hits.match is not None and (req.with_facets or rank):
        matches = hits.count(conn, ProductQuery())
        if matches > fts_broad.EXACT_BOUND:
            page, groups = fts_broad.sample(conn, hits.match, req, scope_filters(req.filters), matches, rank)
            if groups is not None and req.with_facets:
                stored, sampled = groups, True
    if page is not None:
        ids, has_more = page
    elif stored is not None and req.limit == 0 and not sampled:
        ids = []
        has_more = fts_facets.total(stored) > req.offset
    else:
        ids, has_more = _page(conn, hits, req)
    total = -1
    found: list[Facet] = []
    if req.with_facets:
        if stored is None:
            source, source_args = hits.source()
            stored = fts_facets.groups(conn, source, source_args, scope_filters(req.filters), req.filters)
        found = fts_facets.facets(stored)
        if req.with_total:
            total = _count(conn, hits, req, matches) if sampled else fts_facets.total(stored)
    elif req.with_total:
        total = _count(conn, hits, req, matches) if stored is None else fts_facets.total(stored)
    return SearchResult(ids, total, has_more, found, corrected, corrected)
