"""The embedded orders' tables and the row-level writes both the order store and checkout use."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from bff.backends.order_codec import notification_for, order_to_dict
from bff.domain.orders import Order

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
-- Each order number's claim: the primary key makes a number one order's (checkout draws another on a clash).
CREATE TABLE IF NOT EXISTS order_numbers (
    number INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL
);
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


def claim_number(conn: sqlite3.Connection, order: Order) -> bool:
    """Claim the order's number; False when another order holds it (nothing written)."""
    claimed = conn.execute(
        "INSERT OR IGNORE INTO order_numbers (number, order_id) VALUES (?, ?)", (order.number, order.id)
    )
    return claimed.rowcount == 1


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
