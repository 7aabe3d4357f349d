"""A declined order's cart given back, on each cart store (SQLite, DynamoDB on moto's server): one cart per
order however often or concurrently it is asked for; and a buyer's phone kept by both stores."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bff.backends.carts import CartStore
from bff.domain.orders import Order, OrderStatus
from bff.services.cart_restore import payment_declined, restore_cart
from bff.services.checkout_links import link_secret, restored_cart_id
from tests.order_fixtures import make_order
from tests.test_cart_store import new_cart, store

__all__ = ["store"]  # the parametrized store fixture, used here too

TTL = timedelta(days=10)
SECRET = link_secret("a test secret")


def declined_order(customer_id: str | None = None) -> Order:
    at = datetime.now(UTC)
    order = make_order(customer_id=customer_id, lines=(("variant-1", 2), ("variant-2", 1)))
    return order.moved(OrderStatus.CANCELLED, at, "payment declined (card_declined)")


async def test_a_buyer_s_phone_round_trips(store: CartStore) -> None:
    saved = await store.save_cart(new_cart(phone="+442079460000", email="ada@example.com"), None)
    [read] = await store.get_carts([saved.id])
    assert read is not None and read.phone == "+442079460000" and read == saved


async def test_the_cart_is_given_back_once_however_often_it_is_asked_for(store: CartStore) -> None:
    order = declined_order()
    cart_id = restored_cart_id(SECRET, order.id)

    carts = await asyncio.gather(*(restore_cart(store, order, cart_id, TTL) for _ in range(4)))
    again = await restore_cart(store, order, cart_id, TTL)

    assert all(c is not None for c in carts) and again is not None
    assert {c.id for c in carts if c is not None} == {cart_id} and again.version == 1  # written once
    assert [(line.variant_id, line.quantity) for line in again.lines] == [("variant-1", 2), ("variant-2", 1)]
    assert again.email == order.email and again.customer_id is None
    assert again.expires_at is not None  # a guest's cart expires as guest carts do


async def test_a_customer_s_cart_comes_back_as_theirs(store: CartStore) -> None:
    order = declined_order("customer-7")
    restored = await restore_cart(store, order, restored_cart_id(SECRET, order.id), TTL)
    assert restored is not None and restored.customer_id == "customer-7" and restored.expires_at is None
    [current] = await store.get_customer_carts(["customer-7"])
    assert current is not None and current.id == restored.id


def test_only_a_payment_decline_gives_the_cart_back() -> None:
    at = datetime.now(UTC)
    placed = make_order()
    assert payment_declined(declined_order()) == "payment declined (card_declined)"
    assert payment_declined(placed) is None
    assert payment_declined(placed.moved(OrderStatus.PAID, at)) is None
    assert payment_declined(placed.moved(OrderStatus.CANCELLED, at, "risk: denied")) is None
    assert payment_declined(placed.moved(OrderStatus.CANCELLED, at, "cancelled by the customer")) is None
