"""The ``OrderStore`` contract on both stores (SQLite, DynamoDB on moto's server): orders by id and by
customer, conditional status moves with history and outbox, and a cancel that gives the stock back once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_catalog import create_table
from bff.backends.dynamodb_items import from_wire, to_wire
from bff.backends.dynamodb_orders import DynamoOrderStore
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.sqlite_orders import SqliteOrderStore
from bff.backends.orders import OrderStore
from bff.domain.order_workflow import START, first_run_data
from bff.domain.orders import Order, OrderStatus
from tests.order_fixtures import make_order

RESERVED = 5


class Stores:
    """The store under test, and how a test puts an order and reads a variant's reserved units behind it."""

    def __init__(self, store: OrderStore) -> None:
        self.store = store

    async def put(self, order: Order) -> Order:
        if isinstance(self.store, SqliteOrderStore):
            await self.store.insert_order(order, first_run_data(order.id), START)
        else:
            assert isinstance(self.store, DynamoOrderStore)
            await self.store.insert_order(order)
        return order

    async def stock(self, variant: str, reserved: int | None = None) -> int:
        """The variant's reserved units (set first when ``reserved`` is given)."""
        if isinstance(self.store, SqliteOrderStore):
            conn = self.store.worker

            def sql(c: Any) -> int:
                if reserved is not None:
                    c.execute(
                        "INSERT INTO stock (variant_id, product_id, on_hand, reserved) VALUES (?, 'p', 10, ?)",
                        (variant, reserved),
                    )
                return int(c.execute("SELECT reserved FROM stock WHERE variant_id = ?", (variant,)).fetchone()[0])

            return await conn.run(sql)
        assert isinstance(self.store, DynamoOrderStore)
        requests = self.store.requests
        if reserved is not None:
            item = {**s.stock_key(variant), "onHand": 10, "reserved": reserved, "available": 10 - reserved}
            await requests.call("PutItem", {"TableName": requests.table, "Item": to_wire(item)})
        found = await requests.call(
            "GetItem", {"TableName": requests.table, "Key": to_wire(s.stock_key(variant)), "ConsistentRead": True}
        )
        return int(from_wire(found["Item"])["reserved"])


@pytest.fixture(params=["sqlite", "dynamodb"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "sqlite":
        await (await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")).close()
        sqlite = await SqliteOrderStore.open(tmp_path / "catalog.sqlite3")
        store: OrderStore = sqlite
    else:
        dynamo = await DynamoOrderStore.open("storefront", "us-east-1", request.getfixturevalue("aws"))
        await create_table(dynamo.requests)
        store = dynamo
    try:
        yield Stores(store)
    finally:
        await store.close()


async def test_an_order_reads_back_as_placed(stores: Stores) -> None:
    order = await stores.put(make_order())

    assert await stores.store.get_orders([order.id, "0" * 32]) == [order, None]
    assert [n.status for n in await stores.store.notifications(order.id)] == [OrderStatus.PENDING]


async def test_a_move_is_conditional_on_the_status_it_leaves(stores: Stores) -> None:
    order = await stores.put(make_order())
    at = datetime.now(UTC)

    paid = await stores.store.move_order(order.id, OrderStatus.PAID, at, expected=(OrderStatus.PENDING,), reason="ok")
    again = await stores.store.move_order(order.id, OrderStatus.PAID, at, expected=(OrderStatus.PENDING,))
    [stored] = await stores.store.get_orders([order.id])

    assert paid is not None and again is None
    assert stored == paid
    assert [(h.status, h.reason) for h in stored.history] == [
        (OrderStatus.PENDING, "order placed"),
        (OrderStatus.PAID, "ok"),
    ]
    assert [n.status for n in await stores.store.notifications(order.id)] == [OrderStatus.PENDING, OrderStatus.PAID]


async def test_cancelling_gives_the_reserved_stock_back_once(stores: Stores) -> None:
    order = await stores.put(make_order(lines=(("v-release", 2),)))
    await stores.stock("v-release", reserved=RESERVED)
    at = datetime.now(UTC)

    first = await stores.store.move_order(order.id, OrderStatus.CANCELLED, at, expected=(OrderStatus.PENDING,))
    second = await stores.store.move_order(order.id, OrderStatus.CANCELLED, at, expected=(OrderStatus.PENDING,))

    assert first is not None and second is None
    assert await stores.stock("v-release") == RESERVED - 2


async def test_a_customers_orders_newest_first_page_by_page_and_their_history(stores: Stores) -> None:
    base = datetime.now(UTC) - timedelta(days=2)
    orders = []
    for day in range(5):
        order = make_order(customer_id="alice")
        placed = order.created_at.replace(year=base.year) - timedelta(days=day)
        orders.append(await stores.put(type(order)(**{**_fields(order), "created_at": placed})))
    await stores.put(make_order(customer_id="bob"))

    first = await stores.store.customer_orders("alice", 3, None)
    last = first.orders[-1]
    second = await stores.store.customer_orders("alice", 3, (last.created_at, last.id))
    history = await stores.store.customer_history(
        "alice", "x", None, datetime.now(UTC) - timedelta(hours=1), orders[0].id
    )

    assert [o.id for o in first.orders + second.orders] == [o.id for o in orders]
    assert first.has_more and not second.has_more
    assert (history.orders, history.recent_orders, str(history.largest_total)) == (4, 0, "20.00")


def _fields(order: Order) -> dict[str, Any]:
    return {name: getattr(order, name) for name in order.__slots__}  # type: ignore[attr-defined]
