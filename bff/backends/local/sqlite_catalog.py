"""``SqliteCatalogStore``: the embedded catalog, one WAL-mode SQLite file in the data dir.

Writes, listings and counts run on one connection on one worker thread, so the event loop never waits
for a query whose cost grows with the catalog (a filtered listing over 100,000 products takes tens of
milliseconds). Reads by key (products, variants and categories by id or handle, a product's variants, a
category's children) are index lookups bounded by the number of keys: they run at once on a second,
read-only connection on the event loop's thread. A thread hop costs more than such a lookup, and the worker
thread must win the GIL back after every row SQLite returns, which under load waits behind the loop's
Python work (see bench/README.md). WAL mode lets that connection read while the worker writes; a read that
starts after a write has returned sees it.

Listings use keyset pagination on (sort column, id): stable under concurrent writes and as fast on page 40
as on page 1; a page is read in an index's order, a category's subtree merged from each category's index
(``sqlite_listing``).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bff.backends.local import sqlite_listing as listing
from bff.backends.local import sqlite_writes as writes
from bff.backends.local.sqlite_decoded import STAMP_COLUMNS, DecodedRows, StampedProducts
from bff.backends.local.sqlite_readers import in_snapshot
from bff.backends.local.sqlite_rows import (
    CATEGORY_COLUMNS,
    PRODUCT_COLUMNS,
    VARIANT_COLUMNS,
    category_from_row,
    product_from_row,
    variant_from_row,
)
from bff.backends.local.sqlite_schema import migrate
from bff.backends.local.sqlite_worker import SqliteWorker
from bff.domain.catalog import (
    Category,
    Page,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    StockChange,
    StockLevel,
    Variant,
)

T = TypeVar("T")

SORT_COLUMNS: dict[ProductSortKey, str] = {
    ProductSortKey.ID: "id",
    ProductSortKey.TITLE: "title_sort",
    ProductSortKey.PRICE: "price_sort",
    ProductSortKey.CREATED_AT: "created_at",
    ProductSortKey.UPDATED_AT: "updated_at",
    ProductSortKey.BEST_SELLING: "sales_rank",
}
# Decoded rows remembered per kind (``DecodedRows``): a storefront's hot products, their variants, the tree.
DECODED_PRODUCTS, DECODED_VARIANTS, DECODED_CATEGORIES = 5_000, 20_000, 2_000


_chunks, _marks = writes.chunks, writes.marks


class SqliteCatalogStore:
    """The ``CatalogStore`` port over SQLite."""

    def __init__(self, worker: SqliteWorker, lookups: sqlite3.Connection) -> None:
        self._worker = worker
        self._run = worker.run
        self._lookups = lookups
        self.products = DecodedRows(product_from_row, DECODED_PRODUCTS)
        self.stamped: StampedProducts[Product] = StampedProducts(DECODED_PRODUCTS)
        self.variants = DecodedRows(variant_from_row, DECODED_VARIANTS)
        self.categories = DecodedRows(category_from_row, DECODED_CATEGORIES)

    @classmethod
    async def open(cls, path: Path) -> SqliteCatalogStore:
        def setup(conn: sqlite3.Connection) -> None:
            conn.row_factory = sqlite3.Row
            migrate(conn)

        pragmas = ("foreign_keys=ON", "busy_timeout=5000")
        worker = await SqliteWorker.open(path, "sqlite-catalog", pragmas, setup)
        # Opened after the worker has migrated the file. Used on the event loop's thread only.
        lookups = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        lookups.row_factory = sqlite3.Row
        for pragma in ("query_only=ON", "busy_timeout=5000"):
            lookups.execute(f"PRAGMA {pragma}")
        return cls(worker, lookups)

    async def close(self) -> None:
        self._lookups.close()
        await self._worker.close()

    async def ping(self) -> None:
        await self._run(lambda conn: conn.execute("SELECT 1").fetchone())

    # -- reads by key ---------------------------------------------------------------------------------

    async def _by_keys(
        self, table: str, columns: str, key: str, keys: Sequence[str], convert: Callable[[sqlite3.Row], T]
    ) -> list[T | None]:
        def query(conn: sqlite3.Connection) -> list[T | None]:
            found: dict[str, T] = {}
            for chunk in _chunks(keys):
                sql = f"SELECT {columns} FROM {table} WHERE {key} IN ({_marks(len(chunk))})"
                for row in conn.execute(sql, tuple(chunk)):
                    found[row[key]] = convert(row)
            return [found.get(k) for k in keys]

        return query(self._lookups)

    async def _products_by(self, key: str, keys: Sequence[str]) -> list[Product | None]:
        """Products by ``key``: first each row's stamp (``STAMP_COLUMNS``, a narrow read), then whole rows
        only for the stamps not remembered (``StampedProducts``)."""

        def query(conn: sqlite3.Connection) -> list[Product | None]:
            found: dict[str, Product] = {}
            missing: dict[str, str] = {}  # product id -> the key asked
            for chunk in _chunks(keys):
                sql = f"SELECT {key}, {STAMP_COLUMNS} FROM products WHERE {key} IN ({_marks(len(chunk))})"
                for asked, *stamp in conn.execute(sql, tuple(chunk)):
                    product = self.stamped.get(tuple(stamp))
                    if product is None:
                        missing[stamp[0]] = asked
                    else:
                        found[asked] = product
            ids = list(missing)
            for chunk in _chunks(ids):
                sql = f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id IN ({_marks(len(chunk))})"
                for row in conn.execute(sql, tuple(chunk)):
                    found[missing[row["id"]]] = self.stamped.remember(row, self.products(row))
            return [found.get(k) for k in keys]

        return query(self._lookups)

    async def get_products(self, ids: Sequence[str]) -> list[Product | None]:
        return await self._products_by("id", ids)

    async def get_products_by_handle(self, handles: Sequence[str]) -> list[Product | None]:
        return await self._products_by("handle", handles)

    async def get_variants(self, ids: Sequence[str]) -> list[Variant | None]:
        return await self._by_keys("variants", VARIANT_COLUMNS, "id", ids, self.variants)

    async def get_categories(self, ids: Sequence[str]) -> list[Category | None]:
        return await self._by_keys("categories", CATEGORY_COLUMNS, "id", ids, self.categories)

    async def get_categories_by_handle(self, handles: Sequence[str]) -> list[Category | None]:
        return await self._by_keys("categories", CATEGORY_COLUMNS, "handle", handles, self.categories)

    async def _grouped(
        self, sql: str, key: str, keys: Sequence[str], convert: Callable[[sqlite3.Row], T]
    ) -> list[list[T]]:
        def query(conn: sqlite3.Connection) -> list[list[T]]:
            groups: dict[str, list[T]] = defaultdict(list)
            for chunk in _chunks(keys):
                for row in conn.execute(sql.format(marks=_marks(len(chunk))), tuple(chunk)):
                    groups[row[key]].append(convert(row))
            return [groups.get(k, []) for k in keys]

        return query(self._lookups)

    async def get_variants_by_product(self, product_ids: Sequence[str]) -> list[list[Variant]]:
        sql = f"SELECT {VARIANT_COLUMNS} FROM variants WHERE product_id IN ({{marks}}) ORDER BY position, id"
        return await self._grouped(sql, "product_id", product_ids, self.variants)

    async def get_child_categories(self, parent_ids: Sequence[str]) -> list[list[Category]]:
        sql = f"SELECT {CATEGORY_COLUMNS} FROM categories WHERE parent_id IN ({{marks}}) ORDER BY position, id"
        return await self._grouped(sql, "parent_id", parent_ids, self.categories)

    # -- listings -------------------------------------------------------------------------------------

    async def _page(
        self,
        sql_from: str,
        where: list[str],
        args: list[Any],
        column: str,
        descending: bool,
        page: PageRequest,
        convert: Callable[[sqlite3.Row], T],
    ) -> Page[T]:
        descending = descending != page.backward
        op, direction = ("<", "DESC") if descending else (">", "ASC")
        where, args = list(where), list(args)
        if page.after is not None:
            value, last_id = page.after
            where.append(f"({column} {op} ? OR ({column} = ? AND id {op} ?))")
            args.extend((value, value, last_id))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        sql = f"{sql_from}{clause} ORDER BY {column} {direction}, id {direction} LIMIT ?"
        args.append(page.limit + 1)

        def query(conn: sqlite3.Connection) -> Page[T]:
            rows = conn.execute(sql, args).fetchall()
            has_more = len(rows) > page.limit
            rows = rows[: page.limit]
            if page.backward:
                rows.reverse()
            return Page(items=[convert(r) for r in rows], keys=[(r[column], r["id"]) for r in rows], has_more=has_more)

        return await self._run(query)

    async def list_products(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[Product]:
        column = SORT_COLUMNS[sort]
        columns = PRODUCT_COLUMNS if column == "id" else f"{PRODUCT_COLUMNS}, {column}"
        descending = reverse != page.backward

        def query_page(conn: sqlite3.Connection) -> Page[Product]:
            sql, args = listing.page_sql(conn, columns, query, column, descending, page)
            rows = conn.execute(sql, args).fetchall()
            has_more = len(rows) > page.limit
            rows = rows[: page.limit]
            if page.backward:
                rows.reverse()
            keys: list[tuple[object, str]] = [(r[column], r["id"]) for r in rows]
            return Page(items=[self.products(r) for r in rows], keys=keys, has_more=has_more)

        # One snapshot: the subtree and the products are read from the same catalog.
        return await self._run(lambda conn: in_snapshot(conn, query_page))

    async def list_product_ids(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[str]:
        found = await self.list_products(query, sort, reverse, page)
        return Page(items=[p.id for p in found.items], keys=found.keys, has_more=found.has_more)

    async def count_products(self, query: ProductQuery) -> int:
        sql, args = listing.count_sql(query)
        return await self._run(lambda conn: int(conn.execute(sql, args).fetchone()[0]))

    @staticmethod
    def _category_where(parent_id: str | None, top_level: bool) -> tuple[list[str], list[Any]]:
        if parent_id is not None:
            return ["parent_id = ?"], [parent_id]
        if top_level:
            return ["parent_id IS NULL"], []
        return [], []

    async def list_categories(self, parent_id: str | None, top_level: bool, page: PageRequest) -> Page[Category]:
        where, args = self._category_where(parent_id, top_level)
        sql_from = f"SELECT {CATEGORY_COLUMNS}, path FROM categories"
        return await self._page(sql_from, where, args, "path", False, page, self.categories)

    async def count_categories(self, parent_id: str | None, top_level: bool) -> int:
        where, args = self._category_where(parent_id, top_level)
        clause = f" WHERE {' AND '.join(where)}" if where else ""

        def query_count(conn: sqlite3.Connection) -> int:
            return int(conn.execute(f"SELECT COUNT(*) FROM categories{clause}", args).fetchone()[0])

        return await self._run(query_count)

    # -- conditional writes and the generation ----------------------------------------------------------

    async def get_product_record(self, product_id: str) -> ProductRecord | None:
        def read(conn: sqlite3.Connection) -> ProductRecord | None:
            row = conn.execute(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?", (product_id,)).fetchone()
            if row is None:
                return None
            sql = f"SELECT {VARIANT_COLUMNS} FROM variants WHERE product_id = ? ORDER BY position, id"
            variants = tuple(self.variants(v) for v in conn.execute(sql, (product_id,)))
            return ProductRecord(self.products(row), variants)

        # One snapshot: the version read is the version of exactly these variants.
        return in_snapshot(self._lookups, read)

    async def update_product(self, record: ProductRecord, expected_version: int) -> ProductRecord:
        write = writes.update_product(record, expected_version, datetime.now(UTC))
        return await self._run(lambda conn: writes.in_transaction(conn, write))

    async def set_stock(self, levels: Sequence[tuple[str, int]]) -> StockChange:
        write = writes.set_stock(levels)
        return await self._run(lambda conn: writes.in_transaction(conn, write))

    async def get_stock(self, variant_ids: Sequence[str]) -> list[StockLevel | None]:
        return in_snapshot(self._lookups, lambda conn: writes.stock_levels(conn, variant_ids))

    async def refresh_availability(self, variant_ids: Sequence[str]) -> StockChange:
        def write(conn: sqlite3.Connection) -> StockChange:
            # The units on hand as stored: only the products whose flag disagrees with their stock are rewritten.
            levels = [(level.variant_id, level.on_hand) for level in writes.stock_levels(conn, variant_ids) if level]
            return writes.set_stock(levels)(conn)

        return await self._run(lambda conn: writes.in_transaction(conn, write))

    # -- listener work still to do (``bff.backends.catalog_events``) ------------------------------------

    async def record_pending(self, listener: str, kind: str, keys: Sequence[str]) -> None:
        rows = [(listener, kind, k) for k in keys]
        sql = "INSERT OR IGNORE INTO pending_changes (listener, kind, key) VALUES (?, ?, ?)"
        await self._run(lambda conn: conn.executemany(sql, rows))

    async def pending(self, limit: int) -> list[tuple[str, str, str]]:
        sql = "SELECT listener, kind, key FROM pending_changes ORDER BY listener, kind, key LIMIT ?"
        return [(r[0], r[1], r[2]) for r in self._lookups.execute(sql, (limit,))]

    async def clear_pending(self, changes: Sequence[tuple[str, str, str]]) -> None:
        rows = list(changes)
        sql = "DELETE FROM pending_changes WHERE listener = ? AND kind = ? AND key = ?"
        await self._run(lambda conn: conn.executemany(sql, rows))

    async def generation(self) -> int:
        return writes.generation(self._lookups)

    # -- writes ---------------------------------------------------------------------------------------

    async def upsert_categories(self, categories: Sequence[Category]) -> list[Category]:
        write = writes.write_categories(categories)
        return await self._run(lambda conn: writes.in_transaction(conn, write))

    async def upsert_products(self, records: Sequence[ProductRecord]) -> list[ProductRecord]:
        write = writes.write_products(records, datetime.now(UTC))
        return await self._run(lambda conn: writes.in_transaction(conn, write))
