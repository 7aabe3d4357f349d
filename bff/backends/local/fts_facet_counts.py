"""Facet counts kept on write: the documents per facet value of every category subtree and of the whole catalog.

A category page's filter sidebar browses (no words) within a category: grouping its products by every facet
value cost ~100 ms for a broad category of a 100,000-product catalog. ``facet_counts`` holds those groups
ready: one row per scope (a category of the document's path, or ``''`` for the whole catalog) and facet
values (own category, product type, brand, stock, price bucket), with the number of documents. Every write of
a document takes its old rows' counts down and its new rows' up in the same transaction (``add``); a rebuild
fills the table once its documents are in (``fill``), and so does opening an index of an earlier version.

Reading (``stored_groups``) turns the scope's rows into the ``fts_facets.Group``s a grouped pass over the
documents would give. Facet filters (brand, type, stock) are applied to the groups as before. A price filter
passes or fails whole buckets, except a bucket it cuts through: there the documents on the narrower side of
the cut are counted from a price index (a filter chosen from the price facet, ``[50, 99.99]``, cuts off one
cent: nothing to read). Tags are not facets: a browse filtered by tags is grouped from the documents.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from typing import Any, NamedTuple

from bff.backends.local.fts_facets import BUCKET, Group, make_group
from bff.domain.catalog import ProductQuery
from bff.domain.search import PRICE_BUCKETS

WHOLE = ""  # the scope of the whole catalog
NO_CATEGORY, NO_BUCKET = "", -1  # how a document without a category or outside every bucket is stored

_VALUES = f"ifnull(d.category_id, ''), d.product_type, d.vendor, d.available, ifnull({BUCKET}, -1)"


def add(conn: sqlite3.Connection, prefix: str, rowid: int, delta: int) -> None:
    """Count document ``rowid`` (as stored now, with its categories) ``delta`` times in each of its scopes."""
    conn.execute(
        f"INSERT INTO {prefix}facet_counts (scope, category_id, product_type, vendor, available, bucket, hits) "
        f"SELECT s.scope, {_VALUES}, ? FROM (SELECT '' AS scope UNION ALL "
        f"SELECT category_id FROM {prefix}doc_categories WHERE doc = ?) s, {prefix}docs d WHERE d.rowid = ? "
        "ON CONFLICT DO UPDATE SET hits = hits + excluded.hits",
        (delta, rowid, rowid),
    )


def fill(conn: sqlite3.Connection, prefix: str) -> None:
    """Count every document of the set from scratch."""
    conn.execute(f"DELETE FROM {prefix}facet_counts")
    conn.execute(
        f"INSERT INTO {prefix}facet_counts (scope, category_id, product_type, vendor, available, bucket, hits) "
        f"SELECT s.scope, {_VALUES}, COUNT(*) FROM (SELECT rowid AS doc, '' AS scope FROM {prefix}docs "
        f"UNION ALL SELECT doc, category_id FROM {prefix}doc_categories) s "
        f"JOIN {prefix}docs d ON d.rowid = s.doc GROUP BY 1, 2, 3, 4, 5, 6"
    )


# A price range: (low, low included, high, high included); None is unbounded.
Range = tuple[float | None, bool, float | None, bool]


def _bucket_range(bucket: int) -> Range:
    if bucket == NO_BUCKET:
        return None, False, float(PRICE_BUCKETS[0][0]), False
    low, high = PRICE_BUCKETS[bucket]
    return float(low), True, None if high is None else float(high), False


def _width(r: Range) -> float:
    return math.inf if r[0] is None or r[2] is None else r[2] - r[0]


class Cut(NamedTuple):
    """How a price filter meets a bucket: the whole bucket passes (True) or fails (False), or it is cut
    (None) and ``ranges`` are its narrower side, the passing one when ``passing``."""

    whole: bool | None
    ranges: list[Range]
    passing: bool = False


def _cut(bucket: Range, q: ProductQuery) -> Cut:
    low, low_in, high, high_in = bucket
    lo = None if q.min_price is None else float(q.min_price)
    hi = None if q.max_price is None else float(q.max_price)
    if (lo is not None and high is not None and high <= lo) or (hi is not None and low is not None and low > hi):
        return Cut(False, [])
    if (lo is None or (low is not None and low >= lo)) and (hi is None or (high is not None and high <= hi)):
        return Cut(True, [])
    passing: Range = (
        low if lo is None or (low is not None and low >= lo) else lo,
        low_in if lo is None or (low is not None and low >= lo) else True,
        high if hi is None or (high is not None and high <= hi) else hi,
        high_in if hi is None or (high is not None and high <= hi) else True,
    )
    failing: list[Range] = []
    if lo is not None and (low is None or low < lo):
        failing.append((low, low_in, lo, False))
    if hi is not None and (high is None or high > hi):
        failing.append((hi, False, high, high_in))
    if _width(passing) <= sum(_width(r) for r in failing):
        return Cut(None, [passing], passing=True)
    return Cut(None, failing)


UNCUT = Cut(True, [])


def _range_sql(r: Range, column: str) -> tuple[str, list[Any]]:
    tests: list[str] = []
    args: list[Any] = []
    if r[0] is not None:
        tests.append(f"{column} >= ?" if r[1] else f"{column} > ?")
        args.append(r[0])
    if r[2] is not None:
        tests.append(f"{column} <= ?" if r[3] else f"{column} < ?")
        args.append(r[2])
    return " AND ".join(tests) or "1", args


def _side(conn: sqlite3.Connection, scope: str, ranges: list[Range]) -> Counter[tuple[str, str, str, int]]:
    """Documents of ``scope`` priced within ``ranges``, per facet value: a category's from its rows' price index
    (each category row carries its document's price), the whole catalog's from the documents' price index."""
    found: Counter[tuple[str, str, str, int]] = Counter()
    values = "ifnull(d.category_id, ''), d.product_type, d.vendor, d.available, COUNT(*)"
    for r in ranges:
        if scope == WHOLE:
            test, args = _range_sql(r, "d.price")
            sql = f"SELECT {values} FROM docs d WHERE {test} GROUP BY 1, 2, 3, 4"
        else:
            test, args = _range_sql(r, "c.price")
            sql = (
                f"SELECT {values} FROM doc_categories c CROSS JOIN docs d ON d.rowid = c.doc "
                f"WHERE c.category_id = ? AND {test} GROUP BY 1, 2, 3, 4"
            )
            args = [scope, *args]
        for category, product_type, vendor, available, n in conn.execute(sql, args):
            found[(category, product_type, vendor, available)] += n
    return found


def stored_groups(conn: sqlite3.Connection, q: ProductQuery) -> list[Group] | None:
    """The groups of a browse (no words) with the filters ``q``, from the kept counts; ``None`` with tags."""
    if q.tags:
        return None
    scope = WHOLE if q.category_id is None else q.category_id
    rows = conn.execute(
        "SELECT category_id, product_type, vendor, available, bucket, hits FROM facet_counts "
        "WHERE scope = ? AND hits > 0",
        (scope,),
    ).fetchall()
    priced = q.min_price is not None or q.max_price is not None
    cuts = {bucket: _cut(_bucket_range(bucket), q) for bucket in {r[4] for r in rows}} if priced else {}
    sides = {bucket: _side(conn, scope, cut.ranges) for bucket, cut in cuts.items() if cut.whole is None}
    found: list[Group] = []
    for category, product_type, vendor, available, bucket, hits in rows:
        key = (category or None, product_type, vendor, available, None if bucket == NO_BUCKET else bucket)
        cut = cuts.get(bucket, UNCUT)
        if cut.whole is not None:
            found.append(make_group(*key, cut.whole, hits, q))
            continue
        side = sides[bucket][(category, product_type, vendor, available)]
        passed = side if cut.passing else hits - side
        for ok, n in ((True, passed), (False, hits - passed)):
            if n:
                found.append(make_group(*key, ok, n, q))
    return found
