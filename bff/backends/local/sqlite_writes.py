"""The embedded catalog's writes, each one transaction on the worker's connection.

Every write moves the catalog's generation (``catalog_meta``) in the same transaction, so another process
on the same file sees that the catalog changed (``bff.backends.catalog_watch``). Product writes move the
product's ``version``: upserts (imports) read and write it in one immediate transaction (no other write can
come between, which is the condition DynamoDB checks explicitly), ``update_product`` conditionally, whose
``UPDATE ... WHERE version = ?`` touches no row when another write came first.

Stock is its own table (``stock``: ``on_hand`` from imports and admins, ``reserved`` from orders): a product
write sets ``on_hand`` where it changed and never touches ``reserved``; ``set_stock`` writes stock rows and,
only when a product's availability crosses zero, the product's ``available`` flag (and its version). Each
write answers the rows as written, read back in its own transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bff.backends.catalog_tree import category_paths
from bff.backends.local.sqlite_rows import (
    CATEGORY_COLUMNS,
    PRODUCT_COLUMNS,
    VARIANT_COLUMNS,
    VARIANT_WRITE_COLUMNS,
    category_from_row,
    category_row,
    product_from_row,
    product_row,
    variant_from_row,
    variant_row,
)
from bff.domain.catalog import Category, ProductRecord, StockChange, StockLevel
from bff.errors import BadUserInput, Conflict

T = TypeVar("T")

# Past this many keys an IN list is split; SQLite's default variable limit is 32,766.
MAX_IN = 900
_PRODUCT_COLUMNS = (
    "id, handle, title, title_sort, description, vendor, product_type, tags, category_id, images, options, "
    "currency, min_price, max_price, min_compare_at, max_compare_at, price_sort, available, sales_rank, "
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
INSERT_VARIANT = f"INSERT INTO variants ({VARIANT_WRITE_COLUMNS}) VALUES ({','.join('?' * 11)})"
# On hand set where it changed (a new variant starts at version 1, nothing reserved); ``reserved`` stays.
SET_ON_HAND = (
    "INSERT INTO stock (variant_id, product_id, on_hand) VALUES (?, ?, ?) ON CONFLICT(variant_id) DO UPDATE SET "
    "on_hand = excluded.on_hand, product_id = excluded.product_id, version = stock.version + 1 "
    "WHERE stock.on_hand != excluded.on_hand OR stock.product_id != excluded.product_id"
)
HAS_STOCK = (
    "EXISTS (SELECT 1 FROM variants v JOIN stock s ON s.variant_id = v.id "
    "WHERE v.product_id = products.id AND s.on_hand > s.reserved)"
)
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


def write_categories(categories: Sequence[Category]) -> Callable[[sqlite3.Connection], list[Category]]:
    rows = [category_row(c) for c in categories]
    ids = [c.id for c in categories]

    def write(conn: sqlite3.Connection) -> list[Category]:
        conn.executemany(UPSERT_CATEGORY, rows)
        _rebuild_paths(conn)
        found: dict[str, Category] = {}
        for chunk in chunks(ids):
            sql = f"SELECT {CATEGORY_COLUMNS} FROM categories WHERE id IN ({marks(len(chunk))})"
            found.update((r["id"], category_from_row(r)) for r in conn.execute(sql, tuple(chunk)))
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    return write


def _stored_available(conn: sqlite3.Connection, variant_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(variant_ids):
        sql = f"SELECT variant_id, max(0, on_hand - reserved) FROM stock WHERE variant_id IN ({marks(len(chunk))})"
        found.update((r[0], r[1]) for r in conn.execute(sql, tuple(chunk)))
    return found


def _replace_variants(conn: sqlite3.Connection, records: Sequence[ProductRecord], *, changed_only: bool) -> None:
    """Replace the records' variants; set on hand for every variant (imports) or, ``changed_only``, for those
    whose quantity differs from the available units stored (an admin edit of a record read back)."""
    ids = [r.product.id for r in records]
    variants = [v for r in records for v in r.variants]
    stored = _stored_available(conn, [v.id for v in variants]) if changed_only else {}
    for chunk in chunks(ids):
        conn.execute(f"DELETE FROM variants WHERE product_id IN ({marks(len(chunk))})", chunk)
    conn.executemany(INSERT_VARIANT, [variant_row(v) for v in variants])
    conn.executemany(
        SET_ON_HAND,
        [(v.id, v.product_id, v.quantity_available) for v in variants if stored.get(v.id) != v.quantity_available],
    )
    for chunk in chunks(ids):
        conn.execute(
            f"DELETE FROM stock WHERE product_id IN ({marks(len(chunk))}) "
            "AND variant_id NOT IN (SELECT id FROM variants)",
            chunk,
        )
        conn.execute(f"UPDATE products SET available = {HAS_STOCK} WHERE id IN ({marks(len(chunk))})", chunk)


def read_records(conn: sqlite3.Connection, product_ids: Sequence[str]) -> list[ProductRecord]:
    """The products and their variants as stored, in the order of ``product_ids`` (absent ones left out)."""
    products: dict[str, ProductRecord] = {}
    for chunk in chunks(list(dict.fromkeys(product_ids))):
        holders = marks(len(chunk))
        found = {
            r["id"]: product_from_row(r)
            for r in conn.execute(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id IN ({holders})", tuple(chunk))
        }
        variants: dict[str, list[Any]] = {i: [] for i in found}
        sql = f"SELECT {VARIANT_COLUMNS} FROM variants WHERE product_id IN ({holders}) ORDER BY position, id"
        for row in conn.execute(sql, tuple(chunk)):
            variants[row["product_id"]].append(variant_from_row(row))
        products.update((i, ProductRecord(p, tuple(variants[i]))) for i, p in found.items())
    return [products[i] for i in product_ids if i in products]


def write_products(
    records: Sequence[ProductRecord], now: datetime
) -> Callable[[sqlite3.Connection], list[ProductRecord]]:
    """Insert or replace ``records`` whatever is stored (imports); on hand as the records say."""
    latest = list({r.product.id: r for r in records}.values())
    rows = [product_row(r, now) for r in latest]

    def write(conn: sqlite3.Connection) -> list[ProductRecord]:
        conn.executemany(UPSERT_PRODUCT, rows)
        _replace_variants(conn, latest, changed_only=False)
        return read_records(conn, [r.product.id for r in latest])

    return write


def update_product(
    record: ProductRecord, expected: int, now: datetime
) -> Callable[[sqlite3.Connection], ProductRecord]:
    """Replace the product and its variants if its version is still ``expected``; the record as written."""
    row = product_row(record, now)
    values: list[Any] = [v for c, v in zip(PRODUCT_WRITE_COLUMNS, row, strict=True) if c not in ("id", "created_at")]

    def write(conn: sqlite3.Connection) -> ProductRecord:
        if conn.execute(UPDATE_PRODUCT, (*values, record.product.id, expected)).rowcount != 1:
            raise Conflict(f"product {record.product.id} changed since version {expected}", field="id")
        _replace_variants(conn, [record], changed_only=True)
        return read_records(conn, [record.product.id])[0]

    return write


def set_stock(levels: Sequence[tuple[str, int]]) -> Callable[[sqlite3.Connection], StockChange]:
    """On hand of each variant set where it changed; products whose availability crossed zero rewritten."""
    wanted = dict(levels)

    def write(conn: sqlite3.Connection) -> StockChange:
        stored = {s.variant_id: (s, product) for s, product in _stock_rows(conn, list(wanted))}
        missing = [v for v in wanted if v not in stored]
        if missing:
            raise BadUserInput(f"no variant has the id {missing[0]!r}", field="variantId")
        conn.executemany(
            "UPDATE stock SET on_hand = ?, version = version + 1 WHERE variant_id = ?",
            [(n, v) for v, n in wanted.items() if stored[v][0].on_hand != n],
        )
        products = list(dict.fromkeys(product for _, product in stored.values()))
        flipped: list[str] = []
        for chunk in chunks(products):
            sql = f"SELECT id FROM products WHERE id IN ({marks(len(chunk))}) AND available != {HAS_STOCK}"
            flipped += [r[0] for r in conn.execute(sql, tuple(chunk))]
        for chunk in chunks(flipped):
            conn.execute(
                f"UPDATE products SET available = {HAS_STOCK}, version = version + 1 WHERE id IN ({marks(len(chunk))})",
                tuple(chunk),
            )
        levels_now = [s for s, _ in _stock_rows(conn, list(wanted))]
        return StockChange(tuple(levels_now), tuple(products), tuple(read_records(conn, flipped)))

    return write


def _stock_rows(conn: sqlite3.Connection, variant_ids: Sequence[str]) -> list[tuple[StockLevel, str]]:
    found: dict[str, tuple[StockLevel, str]] = {}
    for chunk in chunks(variant_ids):
        sql = (
            "SELECT variant_id, on_hand, reserved, version, product_id FROM stock "
            f"WHERE variant_id IN ({marks(len(chunk))})"
        )
        found.update((r[0], (StockLevel(r[0], r[1], r[2], r[3]), r[4])) for r in conn.execute(sql, tuple(chunk)))
    return [found[v] for v in variant_ids if v in found]


def stock_levels(conn: sqlite3.Connection, variant_ids: Sequence[str]) -> list[StockLevel | None]:
    found = {s.variant_id: s for s, _ in _stock_rows(conn, variant_ids)}
    return [found.get(v) for v in variant_ids]


def _rebuild_paths(conn: sqlite3.Connection) -> None:
    """Recompute every category's ancestors and sortable path; refuse a parent cycle."""
    rows = conn.execute("SELECT id, parent_id, position FROM categories").fetchall()
    paths = category_paths({r["id"]: r["parent_id"] for r in rows}, {r["id"]: r["position"] for r in rows})
    conn.executemany(
        "UPDATE categories SET ancestor_ids = ?, path = ? WHERE id = ?",
        [(json.dumps(list(chain)), path, cid) for cid, (chain, path) in paths.items()],
    )
