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
import time
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from bff.backends.local.sqlite_carts import SCHEMA as CART_SCHEMA
from bff.backends.local.sqlite_checkout import place
from bff.backends.local.sqlite_order_rows import (
    SCHEMA,
    add_notification,
    claim_number,
    in_transaction,
    insert_order,
    release_stock,
    stamp,
)
from bff.backends.local.sqlite_worker import SqliteWorker
from bff.backends.order_codec import order_from_dict, order_to_dict
from bff.domain.checkout import Placed, Placement
from bff.domain.orders import Notification, Order, OrderPage, OrderStatus
from bff.domain.risk import CustomerHistory

T = TypeVar("T")


class SqliteOrderStore:
    """The ``OrderStore`` port over SQLite."""

    def __init__(self, worker: SqliteWorker) -> None:
        self.worker = worker

    @classmethod
    async def open(cls, path: Path) -> SqliteOrderStore:
        """The store over the catalog's file ``path``, where the embedded carts live too (checkout converts
        the cart in its transaction)."""

        def setup(conn: sqlite3.Connection) -> None:
            conn.row_factory = sqlite3.Row
            conn.executescript(SCHEMA)
            conn.executescript(CART_SCHEMA)

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

    async def get_order_by_number(self, number: int) -> Order | None:
        def read(conn: sqlite3.Connection) -> Order | None:
            row = conn.execute(
                "SELECT o.body FROM order_numbers n JOIN orders o ON o.id = n.order_id WHERE n.number = ?", (number,)
            ).fetchone()
            return None if row is None else order_from_dict(json.loads(row["body"]))

        return await self.worker.run(read)

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

    async def place_order(self, placement: Placement) -> Placed:
        return await self.worker.run(lambda conn: place(conn, placement))

    async def order_for_key(self, idempotency_key: str) -> tuple[str, Order] | None:
        def read(conn: sqlite3.Connection) -> tuple[str, Order] | None:
            row = conn.execute(
                "SELECT i.cart_id, o.body FROM order_idempotency i JOIN orders o ON o.id = i.order_id "
                "WHERE i.key = ? AND i.expires_at > ?",
                (idempotency_key, time.time()),
            ).fetchone()
            return None if row is None else (row[0], order_from_dict(json.loads(row[1])))

        return await self.worker.run(read)

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
            if order.number and not claim_number(conn, order):
                raise ValueError(f"order number {order.number} is taken")
            insert_order(conn, order, run_data, start)

        await self.worker.run(lambda conn: in_transaction(conn, write))
