"""The ``CartStore`` contract on both adapters: conditional writes on the version, the customer's current
cart written with the cart, merged-away carts dropped in the same write, expired guest carts never read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bff.backends.carts import CartStore
from bff.backends.dynamodb_carts import DynamoCartStore, cart_item
from bff.backends.dynamodb_catalog import create_table
from bff.backends.dynamodb_items import to_wire
from bff.backends.local.sqlite_carts import SqliteCartStore
from bff.domain.cart import Attribute, Cart, CartLine
from bff.domain.catalog import Money
from bff.errors import Conflict
from bff.ownership import new_capability_id


@pytest.fixture(params=["sqlite", "dynamodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path, aws: str) -> AsyncIterator[CartStore]:
    if request.param == "sqlite":
        opened: CartStore = await SqliteCartStore.open(tmp_path / "carts.sqlite3")
    else:
        dynamo = await DynamoCartStore.open("carts", "us-east-1", aws)
        await create_table(dynamo.requests)
        opened = dynamo
    yield opened
    await opened.close()


async def _outcome(write: Awaitable[Cart]) -> Cart | BaseException:
    try:
        return await write
    except Conflict as conflict:
        return conflict


def new_cart(**fields: object) -> Cart:
    now = datetime.now(UTC).replace(microsecond=0)
    return Cart(id=new_capability_id(), created_at=now, updated_at=now, **fields)  # type: ignore[arg-type]


async def test_a_cart_round_trips_whole(store: CartStore) -> None:
    line = CartLine("l1", "v1", 3, (Attribute("engraving", "A.B."),), Money(Decimal("9.50"), "EUR"))
    cart = new_cart(lines=(line,), note="n", discount_codes=("SAVE10",), attributes=(Attribute("gift", "yes"),))
    saved = await store.save_cart(cart, None)
    assert saved.version == 1
    assert await store.get_carts([cart.id, "missing"]) == [saved, None]


async def test_writes_are_conditional_on_the_version(store: CartStore) -> None:
    saved = await store.save_cart(new_cart(), None)
    with pytest.raises(Conflict):
        await store.save_cart(saved, None)  # the id is taken
    first = await store.save_cart(saved, saved.version)
    with pytest.raises(Conflict):
        await store.save_cart(saved, saved.version)  # a stale version
    # Many writers naming the same version: exactly one wins. (moto's server checks a condition and writes on
    # request threads without a lock, unlike DynamoDB: there the writers go one after another.)
    writes = [store.save_cart(first, first.version) for _ in range(10)]
    if isinstance(store, SqliteCartStore):
        outcomes = await asyncio.gather(*writes, return_exceptions=True)
    else:
        outcomes = [await _outcome(w) for w in writes]
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, BaseException))
    assert (await store.get_carts([saved.id]))[0].version == first.version + 1  # type: ignore[union-attr]


async def test_the_customer_cart_is_written_with_the_cart_and_a_dropped_cart_goes(store: CartStore) -> None:
    assert await store.get_customer_carts(["alice"]) == [None]
    old = await store.save_cart(new_cart(customer_id="alice"), None)
    assert await store.get_customer_carts(["alice", "bob"]) == [old, None]
    guest = await store.save_cart(new_cart(), None)
    kept = await store.save_cart(replace(guest, customer_id="alice"), guest.version, drop=old)
    assert await store.get_customer_carts(["alice"]) == [kept]
    assert await store.get_carts([old.id]) == [None]


async def test_a_failed_drop_writes_nothing(store: CartStore) -> None:
    old = await store.save_cart(new_cart(customer_id="carol"), None)
    guest = await store.save_cart(new_cart(), None)
    stale = await store.save_cart(old, old.version)  # `old` moved on
    with pytest.raises(Conflict):
        await store.save_cart(guest, guest.version, drop=old)
    assert await store.get_carts([guest.id, old.id]) == [guest, stale]


async def test_expired_guest_carts_are_never_read(store: CartStore) -> None:
    past = datetime.now(UTC) - timedelta(seconds=5)
    expired = await store.save_cart(new_cart(expires_at=past.replace(microsecond=0)), None)
    alive = await store.save_cart(new_cart(expires_at=(past + timedelta(days=1)).replace(microsecond=0)), None)
    assert await store.get_carts([expired.id, alive.id]) == [None, alive]


def test_the_dynamodb_item_is_one_cart_item_with_ttl() -> None:
    cart = new_cart(lines=(CartLine("l1", "v1", 2),), expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    item = cart_item(cart)
    assert (item["pk"], item["sk"]) == (f"CART#{cart.id}", "CART")
    assert item["expiresAt"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    assert item["lines"] == [{"id": "l1", "variantId": "v1", "quantity": 2}]
    assert to_wire(item)["expiresAt"] == {"N": str(item["expiresAt"])}
