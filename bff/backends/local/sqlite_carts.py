"""``SqliteCartStore``: the embedded cart store, its own WAL-mode SQLite file in the data dir.

A cart is one row (its lines a JSON document) with its version; the customer's current cart is a row of
``customer_carts``. Every statement runs on one worker thread, so a conditional write (``UPDATE ... WHERE
version = ?``) and the writes that go with it are one transaction that no other write interleaves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bff.backends.cart_codec import cart_from_dict, cart_to_dict, converted, epoch
from bff.backends.local.sqlite_worker import SqliteWorker
from bff.domain.cart import Cart
from bff.errors import Conflict

SCHEMA = """
CREATE TABLE IF NOT EXISTS carts (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    customer_id TEXT,
    expires_at INTEGER,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_carts (
    customer_id TEXT PRIMARY KEY,
    cart_id TEXT NOT NULL
);
"""


def move_legacy_carts(conn: sqlite3.Connection, legacy: Path) -> None:
    """Copy the carts of ``legacy`` into ``conn``'s file in one transaction (a cart already there is kept),
    then rename ``legacy`` aside (``.moved``): run again after a crash, the copy finds the file and repeats."""
    conn.execute("ATTACH DATABASE ? AS legacy", (str(legacy),))
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table in ("carts", "customer_carts"):
                exists = conn.execute(
                    "SELECT 1 FROM legacy.sqlite_master WHERE type = 'table' AND name = ?", (table,)
                ).fetchone()
                if exists:
                    conn.execute(f"INSERT OR IGNORE INTO main.{table} SELECT * FROM legacy.{table}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.execute("DETACH DATABASE legacy")
    for suffix in ("", "-wal", "-shm"):
        source = legacy.with_name(legacy.name + suffix)
        if source.exists():
            source.replace(legacy.with_name(legacy.name + ".moved" + suffix))


class SqliteCartStore:
    """The ``CartStore`` port over SQLite."""

    def __init__(self, worker: SqliteWorker) -> None:
        self._worker = worker

    @classmethod
    async def open(cls, path: Path, legacy: Path | None = None) -> SqliteCartStore:
        """The carts in ``path`` (the catalog's file when the catalog is embedded); the carts of an earlier
        version's own file ``legacy``, when it is there and another file, are moved in first."""

        def setup(conn: sqlite3.Connection) -> None:
            conn.executescript(SCHEMA)
            if legacy is not None and legacy != path and legacy.is_file():
                move_legacy_carts(conn, legacy)

        worker = await SqliteWorker.open(path, "sqlite-carts", ("busy_timeout=5000",), setup)
        return cls(worker)

    async def close(self) -> None:
        await self._worker.close()

    async def get_carts(self, ids: Sequence[str]) -> list[Cart | None]:
        keys = list(ids)
        now = epoch(datetime.now(UTC))

        def read(conn: sqlite3.Connection) -> list[Cart | None]:
            found: dict[str, Cart] = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                sql = (
                    f"SELECT id, version, body FROM carts WHERE id IN ({marks})"
                    " AND (expires_at IS NULL OR expires_at > ?)"
                )
                for cart_id, version, body in conn.execute(sql, (*chunk, now)):
                    data = orjson.loads(body)
                    if not converted(data):  # a cart checked out is gone
                        found[cart_id] = cart_from_dict(cart_id, version, data)
            return [found.get(k) for k in keys]

        return await self._worker.run(read)

    async def get_customer_carts(self, customer_ids: Sequence[str]) -> list[Cart | None]:
        def read(conn: sqlite3.Connection) -> dict[str, str]:
            found: dict[str, str] = {}
            for customer in customer_ids:
                row = conn.execute("SELECT cart_id FROM customer_carts WHERE customer_id = ?", (customer,)).fetchone()
                if row:
                    found[customer] = row[0]
            return found

        pointers = await self._worker.run(read)
        carts = await self.get_carts(list(pointers.values()))
        by_id = {c.id: c for c in carts if c is not None}
        return [by_id.get(pointers.get(customer, "")) for customer in customer_ids]

    async def save_cart(self, cart: Cart, expected_version: int | None, drop: Cart | None = None) -> Cart:
        stored = replace(cart, version=(expected_version or 0) + 1)
        body = orjson.dumps(cart_to_dict(stored)).decode()
        row = (stored.version, stored.customer_id, epoch(stored.expires_at), body, stored.id)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if expected_version is None:
                    taken = conn.execute("SELECT 1 FROM carts WHERE id = ?", (stored.id,)).fetchone()
                    if taken:
                        raise Conflict("a cart with this id exists")
                    conn.execute(
                        "INSERT INTO carts (version, customer_id, expires_at, body, id) VALUES (?, ?, ?, ?, ?)", row
                    )
                else:
                    sql = (
                        "UPDATE carts SET version = ?, customer_id = ?, expires_at = ?, body = ?"
                        " WHERE id = ? AND version = ?"
                    )
                    if conn.execute(sql, (*row, expected_version)).rowcount != 1:
                        raise Conflict("the cart changed since it was read")
                if drop is not None:
                    gone = conn.execute("DELETE FROM carts WHERE id = ? AND version = ?", (drop.id, drop.version))
                    if gone.rowcount != 1:
                        raise Conflict("the merged cart changed since it was read")
                if stored.customer_id is not None:
                    conn.execute(
                        "INSERT INTO customer_carts (customer_id, cart_id) VALUES (?, ?) "
                        "ON CONFLICT (customer_id) DO UPDATE SET cart_id = excluded.cart_id",
                        (stored.customer_id, stored.id),
                    )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await self._worker.run(write)
        return stored
