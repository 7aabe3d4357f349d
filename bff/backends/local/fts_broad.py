"""Broad words searches: the page and the facets of a query with many matches, from its best sellers.

Scoring every match of ``shirt`` or grouping them all by facet value costs in proportion to the matches (a
30,000-match query of a 100,000-product catalog ~60 ms). Counting them costs little (FTS5 counts its lists), so
a query's matches are counted first, exactly; up to ``EXACT_BOUND`` matches are scored and grouped whole
(``fts_query``, ``fts_facets``). Past it, only the ``HEAD`` best-selling documents matching in a title, brand or
category text are read (``fts_ranked``), as an OpenSearch cluster reads a sampler's shard head:

- a relevance-sorted page is the best of them by BM25 over those texts (ties to the better seller), when they
  hold the page and one more; otherwise (deep pages, narrow filters) the matches are scored whole;
- the facets count them and scale each count to the matches (``matches / documents read``, at least 1): the
  values are those the best sellers hold and the counts estimates of what choosing one finds;
- the total stays exact: the matches counted with the filters (``fts_query.Hits.count``).

A document matching in its description only is not among those read: it is found by deep pages, by other sorts
and counted in the total, and would rank after the named matches anyway (a description weighs 1 in BM25
against 10 for the title).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from bff.backends.local import fts_ranked
from bff.backends.local.fts_facets import BUCKET, Group, make_group, price_test
from bff.domain.search import SearchRequest

EXACT_BOUND = 500
HEAD = 500

# A document's facet values: category, product type, brand, in stock, price bucket, within the price filter.
Values = tuple[str | None, str, str, int, int | None, bool]


def sample(
    conn: sqlite3.Connection,
    match: str,
    req: SearchRequest,
    scope: tuple[list[str], list[Any]],
    matches: int,
    rank: bool,
) -> tuple[tuple[list[str], bool] | None, list[Group] | None]:
    """The page (ids, whether more follow) when ``rank`` and the head holds it, and the facet groups scaled to
    ``matches``, within ``scope`` (the filters that are not facets, ``fts_query.scope_filters``);
    ``(None, None)`` when no named text matches (the matches are then scored and grouped whole)."""
    q = req.filters
    source, source_args = fts_ranked.head(match, HEAD)
    price_ok, price_args = price_test(q)
    where, where_args = scope
    in_scope = " AND ".join(where) or "1"
    rows = conn.execute(
        f"SELECT h.score, h.at, d.product_id, d.category_id, d.product_type, d.vendor, d.available, {BUCKET}, "
        f"{price_ok}, {in_scope} FROM {source} CROSS JOIN docs d ON d.rowid = h.doc",
        (*price_args, *where_args, *source_args),
    ).fetchall()
    if not rows:
        return None, None
    counted: Counter[Values] = Counter()
    passing: list[tuple[float, int, str]] = []
    fails: dict[Values, int] = {}
    for score, at, product_id, category_id, product_type, vendor, available, bucket, ok, scoped in rows:
        if not scoped:
            continue
        values: Values = (category_id, product_type, vendor, available, bucket, bool(ok))
        counted[values] += 1
        if values not in fails:
            fails[values] = make_group(*values, 0, q).fails
        if not fails[values]:
            passing.append((score, at, product_id))
    factor = matches / len(rows)
    groups = [make_group(*values, max(1, round(n * factor)), q) for values, n in counted.items()]
    end = req.offset + req.limit
    if not rank or len(passing) <= end:
        return None, groups
    passing.sort()
    return ([r[2] for r in passing[req.offset : end]], True), groups
