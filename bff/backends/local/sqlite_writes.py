"""The embedded catalog's writes, each one transaction on the worker's connection.

Every write moves the catalog's generation (``catalog_meta``) in the same transaction, so another process
on the same file sees that the catalog changed (``bff.backends.catalog_watch``). Product writes move the
product's ``version``: unconditionally for upserts (imports), conditionally for ``update_product``, whose
``UPDATE ... WHERE version = ?`` touches no row when another write came first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bff.backends.catalog_tree import category_paths
from bff.backends.local.sqlite_rows import VARIANT_COLUMNS, category_row, product_row, variant_row
from bff.domain.catalog import Category, ProductRecord
from bff.errors import BadUserInput, Conflict

T = TypeVar("T")

# Past this many keys an IN list is split; SQLite's default variable limit is 32,766.
MAX_IN = 900
_PRODUCT_COLUMNS = (
    "id, handle, title, title_sort, description, vendor, product_type, tags, category_id, images, options, "
    "currency, min_price, max_price, min_compare_at, max_compare_at, price_sort, total_inventory, sales_rank, "
    "created_at, updated_at"
)
PRODUCT_WRITE_COLUMNS = tuple(_PRODUCT_COLUMNS.split(", "))
_UPSERT_SET = ", ".join(f"{c}=excluded.{c}" for c in PRODUCT_WRITE_COLUMNS[1:] if c != "created_at")
UPSERT_PRODUCT = (
    f"INSERT INTO products ({', '.join(PRODUCT_WRITE_COLUMNS)}, version) "
    f"VALUES ({','.join('?' * len(PRODUCT_WRITE_COLUMNS))}, 1) "
    f"ON CONFLICT(id) DO UPDATE SET {_UPSERT_SET}, version=products.version + 1"
)
# The created_at of a conditional update stays what is stored.
_UPDATE_SET = ", ".join(f"{c}=?" for c in PRODUCT_WRITE_COLUMNS[1:] if c != "created_at")
UPDATE_PRODUCT = f"UPDATE products SET {_UPDATE_SET}, version = version + 1 WHERE id = ? AND version = ?"
INSERT_VARIANT = f"INSERT INTO variants ({VARIANT_COLUMNS}) VALUES ({','.join('?' * 11)})"
UPSERT_CATEGORY = (
    "INSERT INTO categories (id, handle, title, description, parent_id, image, position) "
    "VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET handle=excluded.handle, "
    "title=excluded.title, description=excluded.description, parent_id=excluded.parent_id, "
    "image=excluded.image, position=excluded.position"
)


def chunks(keys: Sequence[str]) -> list[Sequence[str]]:
    return [keys[i : i + MAX_IN] for i in range(0, len(keys), MAX_IN)]


def marks(n: int) -> str:
    return ",".join("?" * n)


def in_transaction(conn: sqlite3.Connection, write: Callable[[sqlite3.Connection], T]) -> T:
    """``write`` in one immediate transaction that also moves the catalog's generation; rolled back on error.

    A constraint the rows break (a handle or SKU another product has) is the caller's input: ``BadUserInput``.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = write(conn)
        conn.execute("UPDATE catalog_meta SET value = value + 1 WHERE name = 'generation'")
        conn.execute("COMMIT")
    except sqlite3.IntegrityError as exc:
        conn.execute("ROLLBACK")
        raise BadUserInput(f"catalog write refused: {exc}") from exc
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return result


def generation(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT value FROM catalog_meta WHERE name = 'generation'").fetchone()[0])


def write_categories(categories: Sequence[Category]) -> Callable[[sqlite3.Connection], None]:
    rows = [category_row(c) for c in categories]

    def write(conn: sqlite3.Connection) -> None:
        conn.executemany(UPSERT_CATEGORY, rows)
        _rebuild_paths(conn)

    return write


def _replace_variants(conn: sqlite3.Connection, records: Sequence[ProductRecord]) -> None:
    ids = [r.product.id for r in records]
    for chunk in chunks(ids):
        conn.execute(f"DELETE FROM variants WHERE product_id IN ({marks(len(chunk))})", chunk)
    conn.executemany(INSERT_VARIANT, [variant_row(v) for r in records for v in r.variants])


def write_products(records: Sequence[ProductRecord], now: datetime) -> Callable[[sqlite3.Connection], None]:
    """Insert or replace ``records`` whatever is stored (imports)."""
    rows = [product_row(r, now) for r in records]

    def write(conn: sqlite3.Connection) -> None:
        conn.executemany(UPSERT_PRODUCT, rows)
        _replace_variants(conn, records)

    return write


def update_product(record: ProductRecord, expected: int, now: datetime) -> Callable[[sqlite3.Connection], int]:
    """Replace the product and its variants if its version is still ``expected``; the new version."""
    row = product_row(record, now)
    values: list[Any] = [v for c, v in zip(PRODUCT_WRITE_COLUMNS, row, strict=True) if c not in ("id", "created_at")]

    def write(conn: sqlite3.Connection) -> int:
        if conn.execute(UPDATE_PRODUCT, (*values, record.product.id, expected)).rowcount != 1:
            raise Conflict(f"product {record.product.id} changed since version {expected}", field="id")
        _replace_variants(conn, [record])
        return expected + 1

    return write


def _rebuild_paths(conn: sqlite3.Connection) -> None:
    """Recompute every category's ancestors and sortable path; refuse a parent cycle."""
    rows = conn.execute("SELECT id, parent_id, position FROM categories").fetchall()
    paths = category_paths({r["id"]: r["parent_id"] for r in rows}, {r["id"]: r["position"] for r in rows})
    conn.executemany(
        "UPDATE categories SET ancestor_ids = ?, path = ? WHERE id = ?",
        [(json.dumps(list(chain)), path, cid) for cid, (chain, path) in paths.items()],
    )
