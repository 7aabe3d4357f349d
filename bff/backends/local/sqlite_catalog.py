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
as on page 1.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bff.backends.catalog_tree import category_paths
from bff.backends.local.sqlite_decoded import DecodedRows
from bff.backends.local.sqlite_rows import (
    CATEGORY_COLUMNS,
    PRODUCT_COLUMNS,
    VARIANT_COLUMNS,
    category_from_row,
    category_row,
    product_from_row,
    product_row,
    variant_from_row,
    variant_row,
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
    Variant,
)
from bff.errors import BadUserInput

T = TypeVar("T")

SORT_COLUMNS: dict[ProductSortKey, str] = {
    ProductSortKey.ID: "id",
    ProductSortKey.TITLE: "title_sort",
    ProductSortKey.PRICE: "price_sort",
    ProductSortKey.CREATED_AT: "created_at",
    ProductSortKey.UPDATED_AT: "updated_at",
    ProductSortKey.BEST_SELLING: "sales_rank",
}
# Past this many keys an IN list is split; SQLite's default variable limit is 32,766.
MAX_IN = 900
# Decoded rows remembered per kind (``DecodedRows``): a storefront's hot products, their variants, the tree.
DECODED_PRODUCTS, DECODED_VARIANTS, DECODED_CATEGORIES = 5_000, 20_000, 2_000


def _chunks(keys: Sequence[str]) -> list[Sequence[str]]:
    return [keys[i : i + MAX_IN] for i in range(0, len(keys), MAX_IN)]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SqliteCatalogStore:
    """The ``CatalogStore`` port over SQLite."""

    def __init__(self, worker: SqliteWorker, lookups: sqlite3.Connection) -> None:
        self._worker = worker
        self._run = worker.run
        self._lookups = lookups
        self.products = DecodedRows(product_from_row, DECODED_PRODUCTS)
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

    async def get_products(self, ids: Sequence[str]) -> list[Product | None]:
        return await self._by_keys("products", PRODUCT_COLUMNS, "id", ids, self.products)

    async def get_products_by_handle(self, handles: Sequence[str]) -> list[Product | None]:
        return await self._by_keys("products", PRODUCT_COLUMNS, "handle", handles, self.products)

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

    @staticmethod
    def _product_where(query: ProductQuery) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        args: list[Any] = []
        if query.category_id is not None:
            where.append(
                "category_id IN (SELECT c.id FROM categories c, categories root "
                "WHERE root.id = ? AND substr(c.path, 1, length(root.path)) = root.path)"
            )
            args.append(query.category_id)
        for column, values in (("product_type", query.product_types), ("vendor", query.vendors)):
            if values:
                where.append(f"{column} IN ({_marks(len(values))})")
                args.extend(values)
        if query.tags:
            where.append(f"EXISTS (SELECT 1 FROM json_each(tags) WHERE value IN ({_marks(len(query.tags))}))")
            args.extend(query.tags)
        if query.available is not None:
            where.append("total_inventory > 0" if query.available else "total_inventory <= 0")
        if query.min_price is not None:
            where.append("price_sort >= ?")
            args.append(float(query.min_price))
        if query.max_price is not None:
            where.append("price_sort <= ?")
            args.append(float(query.max_price))
        return where, args

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
        where, args = self._product_where(query)
        column = SORT_COLUMNS[sort]
        sql_from = f"SELECT {PRODUCT_COLUMNS}, {column} FROM products"
        if column == "id":
            sql_from = f"SELECT {PRODUCT_COLUMNS} FROM products"
        return await self._page(sql_from, where, args, column, reverse, page, self.products)

    async def count_products(self, query: ProductQuery) -> int:
        where, args = self._product_where(query)
        clause = f" WHERE {' AND '.join(where)}" if where else ""

        def query_count(conn: sqlite3.Connection) -> int:
            return int(conn.execute(f"SELECT COUNT(*) FROM products{clause}", args).fetchone()[0])

        return await self._run(query_count)

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

    # -- writes ---------------------------------------------------------------------------------------

    async def upsert_categories(self, categories: Sequence[Category]) -> None:
        rows = [category_row(c) for c in categories]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT INTO categories (id, handle, title, description, parent_id, image, position) "
                    "VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET handle=excluded.handle, "
                    "title=excluded.title, description=excluded.description, parent_id=excluded.parent_id, "
                    "image=excluded.image, position=excluded.position",
                    rows,
                )
                _rebuild_paths(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        await self._run(write)

    async def upsert_products(self, records: Sequence[ProductRecord]) -> None:
        now = datetime.now(UTC)
        products = [product_row(r, now) for r in records]
        variants = [variant_row(v) for r in records for v in r.variants]
        ids = [r.product.id for r in records]
        placeholders = ",".join("?" * 21)
        columns = (
            "id, handle, title, title_sort, description, vendor, product_type, tags, category_id, images, "
            "options, currency, min_price, max_price, min_compare_at, max_compare_at, price_sort, "
            "total_inventory, sales_rank, created_at, updated_at"
        )
        updates = ", ".join(f"{c}=excluded.{c}" for c in columns.split(", ")[1:] if c != "created_at")

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    f"INSERT INTO products ({columns}) VALUES ({placeholders}) ON CONFLICT(id) DO UPDATE SET {updates}",
                    products,
                )
                for chunk in _chunks(ids):
                    conn.execute(f"DELETE FROM variants WHERE product_id IN ({_marks(len(chunk))})", chunk)
                conn.executemany(f"INSERT INTO variants ({VARIANT_COLUMNS}) VALUES ({_marks(11)})", variants)
                conn.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                conn.execute("ROLLBACK")
                raise BadUserInput(f"catalog write refused: {exc}") from exc
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        await self._run(write)


def _rebuild_paths(conn: sqlite3.Connection) -> None:
    """Recompute every category's ancestors and sortable path; refuse a parent cycle."""
    rows = conn.execute("SELECT id, parent_id, position FROM categories").fetchall()
    paths = category_paths({r["id"]: r["parent_id"] for r in rows}, {r["id"]: r["position"] for r in rows})
    conn.executemany(
        "UPDATE categories SET ancestor_ids = ?, path = ? WHERE id = ?",
        [(json.dumps(list(chain)), path, cid) for cid, (chain, path) in paths.items()],
    )
