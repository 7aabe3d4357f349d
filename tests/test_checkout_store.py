"""Checkout's transaction on both order stores under concurrency, below the API: 100 placements racing for the
last 10 units of a variant, a flash sale of 200 on one variant, 20 placements with one idempotency key. The
cart and stock items are laid out as ``docs/data-model.md`` fixes them (the cart and catalog stores write the
same); DynamoDB runs on a moto server that serves one request at a time (``tests.stand_ins.SerialMotoServer``)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_catalog import create_table
from bff.backends.dynamodb_checkout import cart_key
from bff.backends.dynamodb_items import from_wire, to_wire
from bff.backends.dynamodb_orders import DynamoOrderStore
from bff.backends.local.sqlite_carts import SqliteCartStore
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.sqlite_orders import SqliteOrderStore
from bff.domain.checkout import Placed, Placement, PlaceOutcome
from tests.order_fixtures import make_order

VARIANT = "v-last"


class Stage:
    """An order store and the cart and stock items its checkout transaction conditions on."""

    def __init__(self, store: SqliteOrderStore | DynamoOrderStore, carts_path: Path | None = None) -> None:
        self.store = store
        self.carts_path = carts_path

    async def cart(self, cart_id: str) -> None:
        if isinstance(self.store, SqliteOrderStore):
            assert self.carts_path is not None
            with sqlite3.connect(self.carts_path) as conn:
                conn.execute("INSERT INTO carts VALUES (?, 1, NULL, NULL, '{}')", (cart_id,))
            return
        item = {**cart_key(cart_id), "version": 1}
        await self.store.requests.call("PutItem", {"TableName": self.store.requests.table, "Item": to_wire(item)})

    async def stock(self, on_hand: int) -> None:
        if isinstance(self.store, SqliteOrderStore):
            sql = "INSERT INTO stock (variant_id, product_id, on_hand, reserved) VALUES (?, 'p', ?, 0)"
            await self.store.worker.run(lambda conn: conn.execute(sql, (VARIANT, on_hand)))
            return
        item = {**s.stock_key(VARIANT), "onHand": on_hand, "reserved": 0, "available": on_hand, "version": 1}
        await self.store.requests.call("PutItem", {"TableName": self.store.requests.table, "Item": to_wire(item)})

    async def reserved(self) -> tuple[int, int]:
        """(reserved, available) of the variant as stored."""
        if isinstance(self.store, SqliteOrderStore):
            sql = "SELECT reserved, on_hand - reserved FROM stock WHERE variant_id = ?"
            row = await self.store.worker.run(lambda conn: conn.execute(sql, (VARIANT,)).fetchone())
            return int(row[0]), int(row[1])
        request = {"TableName": self.store.requests.table, "Key": to_wire(s.stock_key(VARIANT)), "ConsistentRead": True}
        item = from_wire((await self.store.requests.call("GetItem", request))["Item"])
        return int(item["reserved"]), int(item["available"])


@pytest.fixture(params=["sqlite", "dynamodb"])
async def stage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stage]:
    if request.param == "sqlite":
        await (await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")).close()
        await (await SqliteCartStore.open(tmp_path / "catalog.sqlite3")).close()
        sqlite = await SqliteOrderStore.open(tmp_path / "catalog.sqlite3")
        yield Stage(sqlite, tmp_path / "catalog.sqlite3")
        await sqlite.close()
    else:
        dynamo = await DynamoOrderStore.open("storefront", "us-east-1", request.getfixturevalue("serial_aws"))
        await create_table(dynamo.requests)
        yield Stage(dynamo)
        await dynamo.close()


async def _placements(stage: Stage, count: int, quantity: int = 1) -> list[Placement]:
    placements = []
    for i in range(count):
        order = make_order(customer_id=f"c{i}", lines=((VARIANT, quantity),))
        await stage.cart(order.cart_id)
        placements.append(Placement(order, 1, f"c{i}"))
    return placements


async def test_100_checkouts_for_the_last_10_units_make_10_orders(stage: Stage) -> None:
    await stage.stock(10)
    placements = await _placements(stage, 100)

    results: list[Placed] = await asyncio.gather(*(stage.store.place_order(p) for p in placements))

    outcomes = [r.outcome for r in results]
    assert outcomes.count(PlaceOutcome.PLACED) == 10
    assert outcomes.count(PlaceOutcome.INSUFFICIENT_STOCK) == 90
    assert await stage.reserved() == (10, 0)
    assert all(r.short == ((VARIANT, 0),) for r in results if r.outcome is PlaceOutcome.INSUFFICIENT_STOCK)
    placed = [r.order.id for r in results if r.order is not None]
    assert all(o is not None for o in await stage.store.get_orders(placed))


async def test_a_flash_sale_of_200_never_oversells(stage: Stage) -> None:
    await stage.stock(50)
    placements = await _placements(stage, 200, quantity=3)

    results: list[Placed] = await asyncio.gather(*(stage.store.place_order(p) for p in placements))

    placed = sum(1 for r in results if r.outcome is PlaceOutcome.PLACED)
    assert placed == 16  # 16 x 3 = 48 of 50; a 17th would need 51
    assert {r.outcome for r in results} == {PlaceOutcome.PLACED, PlaceOutcome.INSUFFICIENT_STOCK}
    assert await stage.reserved() == (48, 2)


async def test_20_placements_with_one_key_make_one_order(stage: Stage) -> None:
    await stage.stock(10)
    [placement] = await _placements(stage, 1)
    # Each retry prices the cart anew: a fresh order id, the same cart and key.
    retries = [
        replace(placement, order=replace(placement.order, id=f"{placement.order.id[:-2]}{i:02d}")) for i in range(20)
    ]

    results: list[Placed] = await asyncio.gather(*(stage.store.place_order(p) for p in retries))

    orders = {r.order.id for r in results if r.order is not None}
    assert len(orders) == 1
    assert {r.outcome for r in results} <= {PlaceOutcome.PLACED, PlaceOutcome.REPLAYED, PlaceOutcome.CART_CONVERTED}
    assert [r.outcome for r in results].count(PlaceOutcome.PLACED) == 1
    assert await stage.reserved() == (1, 9)


async def test_a_reused_key_for_another_cart_and_a_converted_cart_are_refused(stage: Stage) -> None:
    await stage.stock(10)
    first, second = await _placements(stage, 2)
    same_key = replace(
        second,
        idempotency_scope=first.idempotency_scope,
        order=replace(second.order, idempotency_key=first.order.idempotency_key),
    )
    again = replace(first, order=replace(first.order, id=first.order.id[:-1] + "x", idempotency_key="another-key"))

    assert (await stage.store.place_order(first)).outcome is PlaceOutcome.PLACED
    assert (await stage.store.place_order(same_key)).outcome is PlaceOutcome.KEY_REUSED
    assert (await stage.store.place_order(again)).outcome is PlaceOutcome.CART_CONVERTED
    assert await stage.reserved() == (1, 9)
