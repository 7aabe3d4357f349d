"""``SqliteOrderStore``: the embedded orders, in the catalog's SQLite file beside the stock they reserve.

Orders share the catalog's file so that checkout's stock reservations, the order, its idempotency key and
its workflow run commit in one SQLite transaction (``bff.backends.local.sqlite_checkout``), and a cancel
releases the stock in the same transaction as the status move. An order row keeps the whole order as JSON
(``bff.backends.order_codec``) beside the columns its reads filter and sort on. Every statement runs on one
worker thread (``SqliteWorker``); writes take the file's write lock at once (``BEGIN IMMEDIATE``), so two
processes on one data dir (the app and ``bff worker``) wait for each other instead of failing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from bff.backends.local.sqlite_worker import SqliteWorker
from bff.backends.order_codec import notification_for, order_from_dict, order_to_dict
from bff.domain.orders import Notification, Order, OrderPage, OrderStatus
from bff.domain.risk import CustomerHistory

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    customer_id TEXT,
    email TEXT NOT NULL,
    client_address TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    total TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders(customer_id, created_at, id);
CREATE INDEX IF NOT EXISTS orders_by_email ON orders(email, created_at);
CREATE INDEX IF NOT EXISTS orders_by_address ON orders(client_address, created_at);
CREATE TABLE IF NOT EXISTS order_notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_notifications_by_order ON order_notifications(order_id, seq);
CREATE TABLE IF NOT EXISTS order_idempotency (
    key TEXT PRIMARY KEY,
    cart_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS order_runs (
    order_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    run_after REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS order_runs_due ON order_runs(done, run_after);
"""


def stamp(at: datetime) -> str:
    """A time as fixed-width UTC text, so text order is time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def order_row(order: Order) -> tuple[object, ...]:
    return (
        order.id,
        order.customer_id,
        order.email.lower(),
        order.client_address,
        order.status.value,
        stamp(order.created_at),
        str(order.total),
        json.dumps(order_to_dict(order)),
    )


def release_stock(conn: sqlite3.Connection, units: dict[str, int]) -> None:
    """Give an order's reserved units back (never below zero reserved)."""
    conn.executemany(
        "UPDATE stock SET reserved = MAX(reserved - ?, 0), version = version + 1 WHERE variant_id = ?",
        [(quantity, variant_id) for variant_id, quantity in units.items()],
    )


def add_notification(conn: sqlite3.Connection, order: Order, reason: str) -> None:
    note = notification_for(order, reason)
    conn.execute(
        "INSERT INTO order_notifications (order_id, status, at, message) VALUES (?, ?, ?, ?)",
        (note.order_id, note.status.value, stamp(note.at), note.message),
    )


class SqliteOrderStore:
    """The ``OrderStore`` port over SQLite."""

    def __init__(self, worker: SqliteWorker) -> None:
        self.worker = worker

    @classmethod
    async def open(cls, path: Path) -> SqliteOrderStore:
        def setup(conn: sqlite3.Connection) -> None:
            conn.row_factory = sqlite3.Row
            conn.executescript(SCHEMA)

        return cls(await SqliteWorker.open(path, "sqlite-orders", ("busy_timeout=10000",), setup))

    async def close(self) -> None:
        await self.worker.close()

    async def get_orders(self, ids: Sequence[str]) -> list[Order | None]:
        def read(conn: sqlite3.Connection) -> dict[str, Order]:
            unique = list(dict.fromkeys(ids))[:500]
            marks = ", ".join("?" * len(unique))
            rows = conn.execute(f"SELECT body FROM orders WHERE id IN ({marks})", unique) if unique else []
            return {o.id: o for o in (order_from_dict(json.loads(r["body"])) for r in rows)}

        found = await self.worker.run(read)
        return [found.get(i) for i in ids]

    async def customer_orders(self, customer_id: str, first: int, after: tuple[datetime, str] | None) -> OrderPage:
        def read(conn: sqlite3.Connection) -> OrderPage:
            sql, args = "SELECT body FROM orders WHERE customer_id = ?", [customer_id]
            if after:
                sql += " AND (created_at, id) < (?, ?)"
                args += [stamp(after[0]), after[1]]
            rows = conn.execute(f"{sql} ORDER BY created_at DESC, id DESC LIMIT ?", (*args, first + 1)).fetchall()
            orders = tuple(order_from_dict(json.loads(r["body"])) for r in rows[:first])
            return OrderPage(orders, len(rows) > first)

        return await self.worker.run(read)

    async def customer_history(
        self, customer_id: str | None, email: str, client_address: str | None, since: datetime, before: str
    ) -> CustomerHistory:
        def read(conn: sqlite3.Connection) -> CustomerHistory:
            who, key = ("customer_id", customer_id) if customer_id else ("email", email.lower())
            rows = conn.execute(
                f"SELECT total, created_at FROM orders WHERE {who} = ? AND id != ?", (key, before)
            ).fetchall()
            recent = sum(1 for r in rows if r["created_at"] >= stamp(since))
            from_address = 0
            if client_address:
                from_address = conn.execute(
                    "SELECT COUNT(*) FROM orders WHERE client_address = ? AND created_at >= ? AND id != ?",
                    (client_address, stamp(since), before),
                ).fetchone()[0]
            largest = max((Decimal(r["total"]) for r in rows), default=Decimal(0))
            return CustomerHistory(len(rows), largest, recent, from_address)

        return await self.worker.run(read)

    async def move_order(
        self,
        order_id: str,
        status: OrderStatus,
        at: datetime,
        *,
        expected: Collection[OrderStatus],
        reason: str = "",
        risk_reasons: Sequence[str] = (),
    ) -> Order | None:
        def move(conn: sqlite3.Connection) -> Order | None:
            row = conn.execute("SELECT body FROM orders WHERE id = ?", (order_id,)).fetchone()
            if row is None:
                return None
            order = order_from_dict(json.loads(row["body"]))
            if order.status not in expected or order.status == status:
                return None
            moved = order.moved(status, at, reason)
            if risk_reasons:
                moved = replace(moved, risk_reasons=tuple(risk_reasons))
            conn.execute(
                "UPDATE orders SET status = ?, body = ? WHERE id = ?",
                (moved.status.value, json.dumps(order_to_dict(moved)), order_id),
            )
            if status == OrderStatus.CANCELLED:
                release_stock(conn, order.reserved)
            add_notification(conn, moved, reason)
            return moved

        return await self.worker.run(lambda conn: in_transaction(conn, move))

    async def notifications(self, order_id: str) -> list[Notification]:
        def read(conn: sqlite3.Connection) -> list[Notification]:
            rows = conn.execute(
                "SELECT status, at, message FROM order_notifications WHERE order_id = ? ORDER BY seq", (order_id,)
            )
            return [
                Notification(order_id, OrderStatus(r["status"]), datetime.fromisoformat(r["at"]), r["message"])
                for r in rows
            ]

        return await self.worker.run(read)

    async def insert_order(self, order: Order, run_data: dict[str, object], start: str) -> None:
        """Write an order and its workflow run as they are (tests and ``place_order``'s core)."""

        def write(conn: sqlite3.Connection) -> None:
            insert_order(conn, order, run_data, start)

        await self.worker.run(lambda conn: in_transaction(conn, write))


def insert_order(conn: sqlite3.Connection, order: Order, run_data: dict[str, object], start: str) -> None:
    conn.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)", order_row(order))
    note = notification_for(order)
    conn.execute(
        "INSERT INTO order_notifications (order_id, status, at, message) VALUES (?, ?, ?, ?)",
        (note.order_id, note.status.value, stamp(note.at), note.message),
    )
    conn.execute(
        "INSERT INTO order_runs (order_id, state, data, run_after) VALUES (?, ?, ?, 0)",
        (order.id, start, json.dumps(run_data)),
    )
