"""Order numbers, on the embedded stores and on DynamoDB (moto's server): checkout gives each order a random
nine-digit number claimed in its transaction (a taken number is drawn again), the order store finds an order by
it, and the chat assistant's order-status card shows a real order to its owner and nothing to anyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bff.domain.orders import parse_order_number
from bff.ids import from_global_id
from bff.services import checkout as checkout_service
from tests.checkout_fixtures import Shop, shop_on

NUMBERED = """query ($id: ID!) { order(id: $id) { id orderNumber name status } }"""
CHAT = """mutation ($text: String!) { assistantMessage(input: { text: $text }) {
  messages intent { name } slots { name value }
  cards { __typename ... on AssistantOrderStatusCard { orderNumber status } } } }"""


@pytest.fixture(params=["sqlite", "dynamodb"])
async def shop(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Shop]:
    endpoint = request.getfixturevalue("aws") if request.param == "dynamodb" else None
    async with shop_on(request.param, tmp_path, endpoint) as shop:
        yield shop


async def place(shop: Shop, owner: str, variant: int = 0) -> dict[str, Any]:
    """A real checkout of one unit by ``owner``: the order as ``order(id)`` shows it to them."""
    await shop.set_stock(shop.variants[variant], 10)
    cart = await shop.cart([(shop.variants[variant], 1)], owner=owner)
    payload = await shop.checkout(cart, shop.as_user(owner))
    assert payload["userErrors"] == [], payload
    body = await shop.send(NUMBERED, shop.as_user(owner), id=payload["order"]["id"])
    order: dict[str, Any] = body["data"]["order"]
    return order


async def chat(shop: Shop, owner: str, text: str) -> dict[str, Any]:
    body = await shop.send(CHAT, shop.as_user(owner), text=text)
    assert "errors" not in body, body
    answer: dict[str, Any] = body["data"]["assistantMessage"]
    return answer


async def test_each_order_gets_a_number_and_a_name_and_is_found_by_it(shop: Shop) -> None:
    first = await place(shop, "alice")
    second = await place(shop, "alice", variant=1)
    store = shop.app.state.backends.orders.orders

    assert 100_000_000 <= first["orderNumber"] <= 999_999_999
    assert first["name"] == f"#{first['orderNumber']}"
    assert first["orderNumber"] != second["orderNumber"]
    found = await store.get_order_by_number(second["orderNumber"])
    assert found is not None and found.id == from_global_id(second["id"])[1]
    unused = 100_000_000 if 100_000_000 not in (first["orderNumber"], second["orderNumber"]) else 100_000_001
    assert await store.get_order_by_number(unused) is None


async def test_a_taken_number_is_drawn_again_in_the_checkout_transaction(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checkout draws this number for every order; the store finds it taken from the second on.
    monkeypatch.setattr(checkout_service, "new_order_number", lambda: 424_242_424)
    first = await place(shop, "alice")
    second = await place(shop, "bob", variant=1)
    store = shop.app.state.backends.orders.orders

    assert first["orderNumber"] == 424_242_424
    assert second["orderNumber"] != 424_242_424 and parse_order_number(str(second["orderNumber"])) is not None
    for order in (first, second):
        found = await store.get_order_by_number(order["orderNumber"])
        assert found is not None and found.id == from_global_id(order["id"])[1]


async def test_the_assistant_shows_the_owner_their_order_and_nobody_else(shop: Shop) -> None:
    order = await place(shop, "alice")
    number = order["orderNumber"]
    missing = 999_999_999 if number != 999_999_999 else 999_999_998

    mine = await chat(shop, "alice", f"where is my order {number}")
    by_name = await chat(shop, "alice", f"where's order #{number}")
    theirs = await chat(shop, "mallory", f"where is my order {number}")
    none = await chat(shop, "mallory", f"where is my order {missing}")

    assert mine["intent"]["name"] == "OrderStatus"
    assert mine["slots"] == [{"name": "orderNumber", "value": str(number)}]
    assert mine["cards"] == [
        {"__typename": "AssistantOrderStatusCard", "orderNumber": f"#{number}", "status": "PENDING"}
    ]
    assert mine["messages"][-1] == f"Order #{number} is pending."
    assert by_name["cards"] == mine["cards"]
    # Someone else's order is answered exactly as a number no order has.
    assert theirs["cards"] == [] and none["cards"] == []
    assert theirs["messages"] == [m.replace(str(missing), str(number)) for m in none["messages"]]
    assert str(number) in theirs["messages"][-1] and "couldn't find" in theirs["messages"][-1]
