"""Checkout's one SQLite transaction: the order, its idempotency key, its workflow run, the stock reservations
and the cart's conversion, all or nothing.

The orders, the stock and the embedded carts share the catalog's file, so one ``BEGIN IMMEDIATE`` ... ``COMMIT``
covers them all: no other writer interleaves, a failed condition rolls everything back, and a crash leaves
either the whole checkout or none of it (one file's WAL commit is atomic; SQLite's commits across attached
WAL files are not, which is why the carts are not a file of their own).

Conditions, in order: the key is new (else the order it holds, or ``KEY_REUSED`` for another cart); the cart is
at the version read and not converted; every variant has the units (``on_hand - reserved >= quantity``: a
reservation never takes stock below zero). The order number is claimed in ``order_numbers`` (another is drawn
while the one drawn is taken). The cart is marked converted (``convertedOrderId`` in its document,
its version moved, and it stops being the customer's current cart).
"""

from __future__ import annotations

import json
import sqlite3
import time

from bff.backends.cart_codec import CONVERTED
from bff.backends.local.sqlite_order_rows import claim_number, insert_order
from bff.backends.order_codec import order_from_dict
from bff.domain.checkout import Placed, Placement, PlaceOutcome
from bff.domain.order_workflow import START, first_run_data

# Idempotency keys are kept a day (DynamoDB's TTL on the key item does the same).
KEY_TTL_SECONDS = 24 * 3600


class _Refused(Exception):
    def __init__(self, placed: Placed) -> None:
        self.placed = placed


def _existing(conn: sqlite3.Connection, placement: Placement) -> Placed | None:
    row = conn.execute(
        "SELECT cart_id, order_id FROM order_idempotency WHERE key = ? AND expires_at > ?",
        (placement.idempotency_key, time.time()),
    ).fetchone()
    if row is None:
        return None
    if row[0] != placement.order.cart_id:
        return Placed(PlaceOutcome.KEY_REUSED)
    body = conn.execute("SELECT body FROM orders WHERE id = ?", (row[1],)).fetchone()
    return Placed(PlaceOutcome.REPLAYED, order_from_dict(json.loads(body[0])))


def _convert_cart(conn: sqlite3.Connection, placement: Placement) -> None:
    order = placement.order
    row = conn.execute("SELECT version, body FROM carts WHERE id = ?", (order.cart_id,)).fetchone()
    if row is None:
        raise _Refused(Placed(PlaceOutcome.CART_GONE))
    version, body = row
    document = json.loads(body)
    if document.get(CONVERTED):
        raise _Refused(Placed(PlaceOutcome.CART_CONVERTED))
    if version != placement.cart_version:
        raise _Refused(Placed(PlaceOutcome.CART_CHANGED))
    document[CONVERTED] = order.id
    conn.execute(
        "UPDATE carts SET version = ?, body = ? WHERE id = ? AND version = ?",
        (version + 1, json.dumps(document), order.cart_id, version),
    )
    if order.customer_id is not None:
        conn.execute(
            "DELETE FROM customer_carts WHERE customer_id = ? AND cart_id = ?", (order.customer_id, order.cart_id)
        )


def _reserve(conn: sqlite3.Connection, units: dict[str, int]) -> tuple[str, ...]:
    """Reserve every variant's units; the variants whose last units this took. ``_Refused`` when any is short."""
    short: list[tuple[str, int]] = []
    for variant, quantity in units.items():
        taken = conn.execute(
            "UPDATE stock SET reserved = reserved + ?, version = version + 1 "
            "WHERE variant_id = ? AND on_hand - reserved >= ? RETURNING on_hand - reserved",
            (quantity, variant, quantity),
        ).fetchone()
        if taken is None:
            row = conn.execute(
                "SELECT MAX(on_hand - reserved, 0) FROM stock WHERE variant_id = ?", (variant,)
            ).fetchone()
            short.append((variant, 0 if row is None else int(row[0])))
    if short:
        raise _Refused(Placed(PlaceOutcome.INSUFFICIENT_STOCK, short=tuple(short)))
    marks = ", ".join("?" * len(units))
    rows = conn.execute(
        f"SELECT variant_id FROM stock WHERE variant_id IN ({marks}) AND on_hand - reserved <= 0", tuple(units)
    )
    return tuple(r[0] for r in rows)


def place(conn: sqlite3.Connection, placement: Placement) -> Placed:
    """The transaction (on the order store's worker thread, over the catalog's file)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        existing = _existing(conn, placement)
        if existing is not None:
            conn.execute("ROLLBACK")
            return existing
        _convert_cart(conn, placement)
        sold_out = _reserve(conn, placement.order.reserved)
        while not claim_number(conn, placement.order):
            placement = placement.renumbered()  # the number is taken: draw another
        order = placement.order
        insert_order(conn, order, first_run_data(order.id), START)
        conn.execute(
            "INSERT OR REPLACE INTO order_idempotency (key, cart_id, order_id, expires_at) VALUES (?, ?, ?, ?)",
            (placement.idempotency_key, order.cart_id, order.id, time.time() + KEY_TTL_SECONDS),
        )
    except _Refused as refused:
        conn.execute("ROLLBACK")
        return refused.placed
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return Placed(PlaceOutcome.PLACED, order, sold_out=sold_out)
