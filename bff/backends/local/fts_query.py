"""Reading the embedded index: query planning (prefixes, typo correction), filters, sorting and facets.

Every function takes the connection and runs on the adapter's worker thread. The text part is planned
word by word: a word the index knows is searched as is (FTS5 stems it), a word that only starts indexed
words is a prefix, anything else is replaced by the closest indexed word within OpenSearch's AUTO fuzziness
(trigram candidates, then edit distance, ties to the more frequent word). All words must match; when that
finds nothing a multi-word query is relaxed to any word, ranked by BM25 with field weights.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from bff.backends.local.search_text import edit_distance, max_edits, query_terms, trigrams
from bff.domain.catalog import ProductQuery
from bff.domain.search import (
    FACET_AVAILABLE,
    FACET_CATEGORY,
    FACET_PRICE,
    FACET_PRODUCT_TYPE,
    FACET_VENDOR,
    MAX_FACET_VALUES,
    PRICE_BUCKETS,
    Facet,
    FacetType,
    FacetValue,
    SearchRequest,
    SearchResult,
    SearchSort,
    price_bucket_id,
    price_bucket_label,
)

# bm25() weights per FTS column: title, brand, category (type, category path, tags), description.
BM25 = "bm25(fts, 10.0, 5.0, 4.0, 1.0)"
CANDIDATES = 60


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


def closest_term(conn: sqlite3.Connection, term: str) -> str | None:
    limit = max_edits(term)
    if limit == 0:
        return None
    grams = sorted(trigrams(term))
    marks = ",".join("?" * len(grams))
    rows = conn.execute(
        f"SELECT g.term, t.df FROM term_grams g JOIN terms t ON t.term = g.term WHERE g.gram IN ({marks}) "
        "AND t.len BETWEEN ? AND ? GROUP BY g.term ORDER BY COUNT(*) DESC, t.df DESC LIMIT ?",
        (*grams, len(term) - limit, len(term) + limit, CANDIDATES),
    ).fetchall()
    best: tuple[int, int, str] | None = None
    for candidate, df in rows:
        distance = edit_distance(term, candidate, limit)
        if distance <= limit and (best is None or (distance, -df) < best[:2]):
            best = (distance, -df, candidate)
    return best[2] if best else None


def plan(conn: sqlite3.Connection, terms: list[str], prefix_last: bool) -> Plan:
    expressions: list[str] = []
    searched: list[str] = []
    corrected = False
    for i, term in enumerate(terms):
        last = i == len(terms) - 1
        if prefix_last and last and _has_prefix(conn, term):
            expressions.append(f'"{term}"*')
            searched.append(term)
        elif _known(conn, term):
            expressions.append(f'"{term}"')
            searched.append(term)
        elif len(term) >= 3 and _has_prefix(conn, term):
            expressions.append(f'"{term}"*')
            searched.append(term)
        elif (fixed := closest_term(conn, term)) is not None:
            expressions.append(f'"{fixed}"*' if prefix_last and last else f'"{fixed}"')
            searched.append(fixed)
            corrected = True
        else:
            expressions.append(f'"{term}"')
            searched.append(term)
    return Plan(expressions, searched, corrected)


def _filters(q: ProductQuery, skip: str | None = None) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if q.category_id is not None:
        where.append("d.rowid IN (SELECT doc FROM doc_categories WHERE category_id = ?)")
        args.append(q.category_id)
    for name, column, values in (("vendor", "vendor", q.vendors), ("product_type", "product_type", q.product_types)):
        if values and skip != name:
            where.append(f"d.{column} IN ({','.join('?' * len(values))})")
            args.extend(values)
    if q.tags:
        where.append(f"d.rowid IN (SELECT doc FROM doc_tags WHERE tag IN ({','.join('?' * len(q.tags))}))")
        args.extend(q.tags)
    if q.available is not None and skip != "available":
        where.append("d.available = ?")
        args.append(int(q.available))
    if skip != "price":
        if q.min_price is not None:
            where.append("d.price >= ?")
            args.append(float(q.min_price))
        if q.max_price is not None:
            where.append("d.price <= ?")
            args.append(float(q.max_price))
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


class Source:
    """The rows a request ranges over: the text's hits (a temp table with BM25 scores) or every document."""

    def __init__(self, conn: sqlite3.Connection, match: str | None, weights: str = BM25) -> None:
        self.conn = conn
        self.with_text = match is not None
        if match is None:
            self.sql = "docs d"
            return
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS hit (rowid INTEGER PRIMARY KEY, score REAL NOT NULL)")
        conn.execute("DELETE FROM temp.hit")
        conn.execute(f"INSERT INTO temp.hit SELECT rowid, {weights} FROM fts WHERE fts MATCH ?", (match,))
        self.sql = "temp.hit h JOIN docs d ON d.rowid = h.rowid"

    def query(
        self, select: str, q: ProductQuery, skip: str | None = None, tail: str = "", extra: tuple[Any, ...] = ()
    ) -> list[Any]:
        where, args = _filters(q, skip)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self.conn.execute(f"SELECT {select} FROM {self.sql}{clause} {tail}", (*args, *extra)).fetchall()

    def count(self, q: ProductQuery) -> int:
        return int(self.query("COUNT(*)", q)[0][0])


def _list_facet(src: Source, q: ProductQuery, facet: str, label: str, column: str, skip: str | None) -> Facet:
    rows = src.query(
        f"{column}, COUNT(*) AS n",
        q,
        skip,
        f"GROUP BY {column} HAVING {column} IS NOT NULL AND {column} != '' ORDER BY n DESC, {column} LIMIT ?",
        (MAX_FACET_VALUES,),
    )
    values = tuple(FacetValue(f"{facet}.{key}", str(key), int(n), key) for key, n in rows)
    return Facet(facet, label, FacetType.LIST, values)


def facets(src: Source, q: ProductQuery) -> list[Facet]:
    """Counts over the filtered hits; a facet's own filter is left out of its counts (pick several vendors)."""
    buckets = ", ".join(
        f"SUM(d.price >= {float(low)}" + ("" if high is None else f" AND d.price < {float(high)}") + ")"
        for low, high in PRICE_BUCKETS
    )
    price_counts = src.query(buckets, q, "price")[0]
    price_values = tuple(
        FacetValue(price_bucket_id(low, high), price_bucket_label(low, high), int(n or 0), (low, high))
        for (low, high), n in zip(PRICE_BUCKETS, price_counts, strict=True)
        if n
    )
    in_stock, total = src.query("COALESCE(SUM(d.available), 0), COUNT(*)", q, "available")[0]
    availability = tuple(
        v
        for v in (
            FacetValue(f"{FACET_AVAILABLE}.1", "In stock", int(in_stock), True),
            FacetValue(f"{FACET_AVAILABLE}.0", "Out of stock", int(total - in_stock), False),
        )
        if v.count
    )
    return [
        _list_facet(src, q, FACET_CATEGORY, "Category", "d.category_id", None),
        _list_facet(src, q, FACET_PRODUCT_TYPE, "Product type", "d.product_type", "product_type"),
        _list_facet(src, q, FACET_VENDOR, "Brand", "d.vendor", "vendor"),
        Facet(FACET_PRICE, "Price", FacetType.PRICE_RANGE, price_values),
        Facet(FACET_AVAILABLE, "Availability", FacetType.BOOLEAN, availability),
    ]


def run_search(conn: sqlite3.Connection, req: SearchRequest) -> SearchResult:
    corrected: str | None = None
    match: str | None = None
    expressions: list[str] = []
    if req.text is not None:
        terms = query_terms(req.text)
        if not terms:
            return SearchResult(product_ids=[], total=0, has_more=False)
        p = plan(conn, terms, prefix_last=False)
        expressions = p.expressions
        match = " AND ".join(expressions)
        corrected = " ".join(p.words) if p.corrected else None
    src = Source(conn, match)
    if len(expressions) > 1 and src.count(ProductQuery()) == 0:
        src = Source(conn, " OR ".join(expressions))
    rows = src.query(
        "d.product_id",
        req.filters,
        tail=f"ORDER BY {_order(req.sort, req.reverse, src.with_text)} LIMIT ? OFFSET ?",
        extra=(req.limit + 1, req.offset),
    )
    ids = [r[0] for r in rows]
    total = src.count(req.filters) if req.with_total else -1
    found = facets(src, req.filters) if req.with_facets else []
    return SearchResult(ids[: req.limit], total, len(ids) > req.limit, found, corrected, corrected)


def run_suggest(conn: sqlite3.Connection, text: str, limit: int) -> tuple[list[str], list[str], list[str]]:
    terms = query_terms(text)
    if not terms:
        return [], [], []
    p = plan(conn, terms, prefix_last=True)
    src = Source(conn, " AND ".join(p.expressions))
    order = "ORDER BY h.score, d.rank_key LIMIT ?"
    products = [r[0] for r in src.query("d.product_id", ProductQuery(), tail=order, extra=(limit,))]
    categories = [
        r[0]
        for r in src.query(
            "d.category_id, COUNT(*) AS n",
            ProductQuery(),
            tail="GROUP BY d.category_id HAVING d.category_id IS NOT NULL ORDER BY n DESC LIMIT ?",
            extra=(limit,),
        )
    ]
    head, last = p.words[:-1], p.words[-1]
    completions = conn.execute(
        "SELECT term FROM terms WHERE term >= ? AND term < ? ORDER BY df DESC, term LIMIT ?",
        (last, last + "\uffff", limit),
    ).fetchall()
    queries = [" ".join([*head, c[0]]) for c in completions] if products else []
    return products, categories, queries
