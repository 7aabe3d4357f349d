"""The filter sidebar of the embedded engine: every facet's counts and the total from one grouped pass.

The hits are grouped by every facet value at once (category, product type, brand, stock, price bucket,
and whether the price filter passes), with only the filters that are not facets (category subtree, tags)
applied in SQL. Each facet then adds up the groups that pass the other facets' filters: a facet's own
filter is left out of its counts, so a shopper can pick several brands. Thousands of hits make tens to
hundreds of groups (a whole catalog of 100,000 products about 600), so the adding up costs little.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from decimal import Decimal
from typing import Any, NamedTuple

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
    price_bucket_id,
    price_bucket_label,
)


def _bucket_case() -> str:
    """SQL for the index of ``d.price``'s bucket in ``PRICE_BUCKETS`` (in price order); NULL outside them."""
    whens: list[str] = []
    edge: Decimal | None = None  # where the previous bucket ends
    for i, (low, high) in enumerate(PRICE_BUCKETS):
        if low != edge:
            whens.append(f"WHEN d.price < {float(low)} THEN NULL")
        whens.append(f"ELSE {i}" if high is None else f"WHEN d.price < {float(high)} THEN {i}")
        edge = high
    return f"CASE {' '.join(whens)} END"


BUCKET = _bucket_case()


# A group of hits fails some of the facet filters: one bit per facet that has a filter.
VENDOR, PRODUCT_TYPE, AVAILABLE, PRICE = 1, 2, 4, 8


class Group(NamedTuple):
    """Hits sharing every facet value, and the facet filters they fail."""

    category_id: str | None
    product_type: str
    vendor: str
    available: bool
    bucket: int | None
    fails: int
    hits: int

    def passes(self, skip: int = 0) -> bool:
        """Whether these hits pass every facet filter but ``skip``'s."""
        return not self.fails & ~skip


def price_test(q: ProductQuery) -> tuple[str, list[Any]]:
    """SQL testing ``d.price`` against the query's price bounds (``1`` when it has none), and its arguments."""
    tests: list[str] = []
    args: list[Any] = []
    if q.min_price is not None:
        tests.append("d.price >= ?")
        args.append(float(q.min_price))
    if q.max_price is not None:
        tests.append("d.price <= ?")
        args.append(float(q.max_price))
    return (" AND ".join(tests) or "1"), args


def groups(
    conn: sqlite3.Connection,
    source: str,
    source_args: tuple[Any, ...],
    scope: tuple[list[str], list[Any]],
    q: ProductQuery,
) -> list[Group]:
    """The hits of ``source`` within ``scope`` (the non-facet filters), grouped by every facet value."""
    price_ok, price_args = price_test(q)
    # A constant key still costs the sort: without a price filter every group passes it.
    keys = "1, 2, 3, 4, 5, 6" if price_args else "1, 2, 3, 4, 5"
    where, where_args = scope
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = conn.execute(
        f"SELECT d.category_id, d.product_type, d.vendor, d.available, {BUCKET}, {price_ok}, COUNT(*) "
        f"FROM {source}{clause} GROUP BY {keys}",
        (*price_args, *source_args, *where_args),
    ).fetchall()
    return [
        make_group(category, product_type, vendor, in_stock, bucket, bool(ok), n, q)
        for category, product_type, vendor, in_stock, bucket, ok, n in rows
    ]


def make_group(
    category_id: str | None,
    product_type: str,
    vendor: str,
    in_stock: int,
    bucket: int | None,
    price_ok: bool,
    hits: int,
    q: ProductQuery,
) -> Group:
    """The group of ``hits`` sharing these facet values, with the facet filters of ``q`` they fail."""
    fails = (
        (VENDOR if q.vendors and vendor not in q.vendors else 0)
        | (PRODUCT_TYPE if q.product_types and product_type not in q.product_types else 0)
        | (AVAILABLE if q.available is not None and bool(in_stock) != q.available else 0)
        | (0 if price_ok else PRICE)
    )
    return Group(category_id, product_type, vendor, bool(in_stock), bucket, fails, hits)


def total(found: list[Group]) -> int:
    return sum(g.hits for g in found if not g.fails)


def _list_facet(facet: str, label: str, counts: Counter[str]) -> Facet:
    top = sorted(((key, n) for key, n in counts.items() if key), key=lambda kv: (-kv[1], kv[0]))
    values = tuple(FacetValue(f"{facet}.{key}", key, n, key) for key, n in top[:MAX_FACET_VALUES])
    return Facet(facet, label, FacetType.LIST, values)


def facets(found: list[Group]) -> list[Facet]:
    """Counts over the filtered hits, each facet without its own filter."""
    categories: Counter[str] = Counter()
    types: Counter[str] = Counter()
    vendors: Counter[str] = Counter()
    buckets: Counter[int] = Counter()
    stock: Counter[bool] = Counter()
    for g in found:
        if not g.fails and g.category_id is not None:
            categories[g.category_id] += g.hits
        if g.passes(PRODUCT_TYPE):
            types[g.product_type] += g.hits
        if g.passes(VENDOR):
            vendors[g.vendor] += g.hits
        if g.passes(PRICE) and g.bucket is not None:
            buckets[g.bucket] += g.hits
        if g.passes(AVAILABLE):
            stock[g.available] += g.hits
    prices = tuple(
        FacetValue(price_bucket_id(low, high), price_bucket_label(low, high), buckets[i], (low, high))
        for i, (low, high) in enumerate(PRICE_BUCKETS)
        if buckets[i]
    )
    availability = tuple(
        v
        for v in (
            FacetValue(f"{FACET_AVAILABLE}.1", "In stock", stock[True], True),
            FacetValue(f"{FACET_AVAILABLE}.0", "Out of stock", stock[False], False),
        )
        if v.count
    )
    return [
        _list_facet(FACET_CATEGORY, "Category", categories),
        _list_facet(FACET_PRODUCT_TYPE, "Product type", types),
        _list_facet(FACET_VENDOR, "Brand", vendors),
        Facet(FACET_PRICE, "Price", FacetType.PRICE_RANGE, prices),
        Facet(FACET_AVAILABLE, "Availability", FacetType.BOOLEAN, availability),
    ]
