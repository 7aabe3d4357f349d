"""Product listings of the embedded catalog: filters, sorts, keyset pages, counts.

A listing's page is read in the order of an index, never by sorting the matches: the work is the page (plus
the rows a filter skips), not the number of matches. Every sort has two indexes: ``(column, id)`` for the
whole catalog and ``(category_id, column, id)`` per category. A category page lists a subtree: each of its
categories is read from its own index range, in order and from the cursor, at most a page plus one, and the
subtree's rows are merged by the same order in one statement (``UNION ALL`` under the page's ``ORDER BY``
and ``LIMIT``): a broad category of a 100,000-product catalog (6 leaves, ~17,000 products) reads ~150 rows
for a page of 24 instead of sorting 17,000. A subtree of more than ``MERGED_CATEGORIES`` categories is
filtered with one ``IN`` (the matches sorted). Keyset positions compare as row values, ``(column, id) > (?, ?)``,
which SQLite turns into an index range.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from bff.backends.local.sqlite_writes import marks
from bff.domain.catalog import PageRequest, ProductQuery

# A subtree of at most this many categories is merged from their indexes (one compound SELECT; SQLite allows
# 500 terms). Larger ones filter with IN and sort the matches.
MERGED_CATEGORIES = 64

# The index each sort reads in order, over the whole catalog and per category (``sqlite_schema``). Named, so a
# filter never makes SQLite range over another index and sort what it finds.
ORDER_INDEXES: dict[str, tuple[str | None, str]] = {
    "id": (None, "products_category_id"),  # the whole catalog by id: the primary key
    "title_sort": ("products_title", "products_category_title"),
    "price_sort": ("products_price", "products_category_price"),
    "created_at": ("products_created", "products_category_created"),
    "updated_at": ("products_updated", "products_category_updated"),
    "sales_rank": ("products_rank", "products_category_rank"),
}

SUBTREE = (
    "SELECT c.id FROM categories c, categories root "
    "WHERE root.id = ? AND substr(c.path, 1, length(root.path)) = root.path"
)


def subtree(conn: sqlite3.Connection, category_id: str) -> list[str]:
    """The category and every category under it (empty when it does not exist)."""
    return [r[0] for r in conn.execute(SUBTREE, (category_id,))]


def filters(query: ProductQuery) -> tuple[list[str], list[Any]]:
    """SQL tests (and their arguments) for every filter but the category."""
    where: list[str] = []
    args: list[Any] = []
    for column, values in (("product_type", query.product_types), ("vendor", query.vendors)):
        if values:
            where.append(f"{column} IN ({marks(len(values))})")
            args.extend(values)
    if query.tags:
        where.append(f"EXISTS (SELECT 1 FROM json_each(tags) WHERE value IN ({marks(len(query.tags))}))")
        args.extend(query.tags)
    if query.available is not None:
        where.append("available = 1" if query.available else "available = 0")
    if query.min_price is not None:
        where.append("price_sort >= ?")
        args.append(float(query.min_price))
    if query.max_price is not None:
        where.append("price_sort <= ?")
        args.append(float(query.max_price))
    return where, args


def _clause(where: list[str]) -> str:
    return f" WHERE {' AND '.join(where)}" if where else ""


def page_sql(
    conn: sqlite3.Connection, columns: str, query: ProductQuery, column: str, descending: bool, page: PageRequest
) -> tuple[str, list[Any]]:
    """One statement for the page (``page.limit + 1`` rows in the order asked), and its arguments."""
    op, direction = ("<", "DESC") if descending else (">", "ASC")
    where, args = filters(query)
    if page.after is not None:
        value, last_id = page.after
        where.append(f"({column}, id) {op} (?, ?)")
        args.extend((value, last_id))
    order = f"ORDER BY {column} {direction}, id {direction} LIMIT ?"
    whole, per_category = ORDER_INDEXES[column]
    categories = None if query.category_id is None else subtree(conn, query.category_id)
    if categories is None:
        source = "products" if whole is None else f"products INDEXED BY {whole}"
        return f"SELECT {columns} FROM {source}{_clause(where)} {order}", [*args, page.limit + 1]
    if not categories:
        return f"SELECT {columns} FROM products WHERE 0 {order}", [page.limit + 1]
    if len(categories) > MERGED_CATEGORIES:
        inside = [f"category_id IN ({marks(len(categories))})", *where]
        return f"SELECT {columns} FROM products{_clause(inside)} {order}", [*categories, *args, page.limit + 1]
    # Each category's rows from its own index range, in order; the merge keeps the first page + 1 of them.
    source = f"products INDEXED BY {per_category}"
    one = f"SELECT * FROM (SELECT {columns} FROM {source}{_clause(['category_id = ?', *where])} {order})"
    sql = f"SELECT * FROM ({' UNION ALL '.join([one] * len(categories))}) {order}"
    merged: list[Any] = []
    for category in categories:
        merged.extend((category, *args, page.limit + 1))
    return sql, [*merged, page.limit + 1]


def count_sql(query: ProductQuery) -> tuple[str, list[Any]]:
    where, args = filters(query)
    if query.category_id is not None:
        where.insert(0, f"category_id IN ({SUBTREE})")
        args.insert(0, query.category_id)
    return f"SELECT COUNT(*) FROM products{_clause(where)}", args
