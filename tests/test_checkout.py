"""checkoutComplete through GraphQL, on the embedded stores and on DynamoDB (moto's server): the order at once
(PENDING, today's prices, the delivery charge), its stock reserved, the cart converted, the same key answering
the same order, the workflow then paying and fulfilling it; bad input as userErrors; at most 4 backend calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bff.backends.order_events import Purchase
from bff.ids import from_global_id
from tests.checkout_fixtures import ORDER, Shop, checkout_input, shop_on

PRODUCT_OF = "query ($id: ID!) { node(id: $id) { ... on ProductVariant { product { id } } } }"
PLACE = "mutation ($input: CheckoutCompleteInput!) { checkoutComplete(input: $input) { order { id } } }"


@pytest.fixture(params=["sqlite", "dynamodb"])
async def shop(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Shop]:
    endpoint = request.getfixturevalue("aws") if request.param == "dynamodb" else None
    async with shop_on(request.param, tmp_path, endpoint) as shop:
        yield shop


async def test_a_checkout_places_the_order_at_once_and_the_workflow_fulfils_it(shop: Shop) -> None:
    variant = shop.variants[0]
    await shop.set_stock(variant, 10)
    price = Decimal((await shop.stock(variant))["price"]["amount"])
    cart = await shop.cart([(variant, 2)])
    data = checkout_input(cart)

    placed = await shop.send(PLACE, input=data)
    retried = await shop.send(PLACE, input=data)
    again = await shop.checkout(cart)  # a new key: the cart is gone (converted)
    left = (await shop.stock(variant))["quantityAvailable"]
    order_id = placed["data"]["checkoutComplete"]["order"]["id"]
    pending = (await shop.send(ORDER, id=order_id))["data"]["order"]
    await shop.run_workflow()
    done = (await shop.send(ORDER, id=order_id))["data"]["order"]

    assert retried["data"]["checkoutComplete"]["order"]["id"] == order_id
    assert left == 8
    assert [e["code"] for e in again["userErrors"]] == ["CART_NOT_FOUND"]
    assert pending["status"] == "PENDING"
    assert [h["status"] for h in done["history"]] == ["PENDING", "PAID", "FULFILLED"]
    assert price > 0


async def test_the_order_charges_todays_prices_and_the_delivery(shop: Shop) -> None:
    variant = shop.variants[1]
    await shop.set_stock(variant, 5)
    price = Decimal((await shop.stock(variant))["price"]["amount"])
    cart = await shop.cart([(variant, 1)])

    payload = await shop.checkout(cart, deliveryMethod="EXPRESS")

    order = payload["order"]
    assert payload["userErrors"] == []
    assert order["status"] == "PENDING"
    assert [(line["quantity"], Decimal(line["unitPrice"]["amount"])) for line in order["lines"]] == [(1, price)]
    assert Decimal(order["shippingTotal"]["amount"]) == Decimal("15.00")
    assert Decimal(order["total"]["amount"]) == price + Decimal("15.00")


async def test_a_checkout_makes_at_most_four_backend_calls(tmp_path: Path) -> None:
    async with shop_on("sqlite", tmp_path) as shop:
        variant = shop.variants[2]
        await shop.set_stock(variant, 50)
        cart = await shop.cart([(variant, 1), (shop.variants[3], 1)])
        response = await shop.http.post(
            "/graphql",
            json={
                "query": PLACE,
                "variables": {"input": checkout_input(cart)},
            },
        )

    calls = response.json()["extensions"]["backendCalls"]
    assert response.json()["data"]["checkoutComplete"]["order"] is not None
    assert calls["total"] <= 4, calls


async def test_bad_input_is_refused_field_by_field_and_nothing_is_reserved(tmp_path: Path) -> None:
    async with shop_on("sqlite", tmp_path) as shop:
        variant = shop.variants[0]
        await shop.set_stock(variant, 3)
        cart = await shop.cart([(variant, 1)])
        bad = await shop.checkout(
            cart,
            email="not-an-email",
            shippingAddress={**checkout_input(cart)["shippingAddress"], "city": "", "countryCode": "gb"},
            deliveryMethod="TELEPORT",
            paymentToken="4111 1111 1111 1111",
            idempotencyKey="",
        )
        empty = await shop.checkout(await shop.cart([]))
        unknown = await shop.checkout("Q2FydC9ub3BlLW5vcGUtbm9wZS1ub3BlLW5vcGUtbm9wZS1ub3Bl")
        malformed = await shop.checkout("not an id")
        bobs = await shop.cart([(variant, 1)], owner="bob")
        theirs = await shop.checkout(bobs, shop.as_user("mallory"))
        anonymous = await shop.checkout(bobs)
        left = (await shop.stock(variant))["quantityAvailable"]

    assert {(tuple(e["field"]), e["code"]) for e in bad["userErrors"]} == {
        (("input", "idempotencyKey"), "INVALID_IDEMPOTENCY_KEY"),
        (("input", "email"), "INVALID_EMAIL"),
        (("input", "shippingAddress", "city"), "INVALID_ADDRESS"),
        (("input", "shippingAddress", "countryCode"), "INVALID_ADDRESS"),
        (("input", "deliveryMethod"), "INVALID_DELIVERY_METHOD"),
        (("input", "paymentToken"), "INVALID_PAYMENT_TOKEN"),
    }
    assert bad["order"] is None
    assert [e["code"] for e in empty["userErrors"]] == ["EMPTY_CART"]
    assert [e["code"] for e in unknown["userErrors"]] == ["CART_NOT_FOUND"]
    assert [e["code"] for e in malformed["userErrors"]] == ["INVALID_ID"]
    assert [e["code"] for e in theirs["userErrors"]] == ["CART_NOT_FOUND"]
    assert [e["code"] for e in anonymous["userErrors"]] == ["CART_NOT_FOUND"]
    assert left == 3


async def test_out_of_stock_names_the_line_and_a_reused_key_is_refused(tmp_path: Path) -> None:
    async with shop_on("sqlite", tmp_path) as shop:
        variant, other = shop.variants[0], shop.variants[1]
        await shop.set_stock(variant, 3)
        await shop.set_stock(other, 5)
        first = await shop.cart([(other, 1), (variant, 3)])
        second = await shop.cart([(other, 1), (variant, 3)])
        third = await shop.cart([(other, 1)])
        placed = await shop.checkout(first, idempotencyKey="key-1")
        short = await shop.checkout(second)
        reused = await shop.checkout(third, idempotencyKey="key-1")
        stock = await shop.stock(variant)
        others = (await shop.stock(other))["quantityAvailable"]

    assert placed["userErrors"] == []
    assert [(e["code"], e["field"]) for e in short["userErrors"]] == [
        ("INSUFFICIENT_STOCK", ["input", "cartId", "lines", "1"])
    ]
    assert [e["code"] for e in reused["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert stock["quantityAvailable"] == 0
    assert others == 4  # the refused checkouts reserved nothing


async def test_a_placed_order_is_a_purchase_event_for_the_recommender(tmp_path: Path) -> None:
    heard: list[Purchase] = []

    class Recommender:
        async def purchased(self, purchase: Purchase) -> None:
            heard.append(purchase)

    async with shop_on("sqlite", tmp_path) as shop:
        shop.app.state.backends.orders.purchase_listeners = (Recommender(),)
        variant = shop.variants[0]
        await shop.set_stock(variant, 5)
        cart = await shop.cart([(variant, 2)], owner="alice")
        data = checkout_input(cart)
        headers = shop.as_user("alice")
        first = await shop.send(PLACE, headers, input=data)
        await shop.send(PLACE, headers, input=data)  # a retry: the same order, no second purchase

    [purchase] = heard
    assert purchase.order_id == from_global_id(first["data"]["checkoutComplete"]["order"]["id"])[1]
    assert purchase.customer_id is not None
    assert [(line.variant_id, line.quantity) for line in purchase.lines] == [(from_global_id(variant)[1], 2)]


async def test_a_cart_of_more_distinct_variants_than_one_transaction_holds_is_refused(tmp_path: Path) -> None:
    async with shop_on("sqlite", tmp_path, products=80) as shop:
        assert len(shop.variants) > 97
        for variant in shop.variants[:97]:
            await shop.set_stock(variant, 5)
        cart = await shop.cart([(variant, 1) for variant in shop.variants[:97]])
        refused = await shop.checkout(cart)
        left = (await shop.stock(shop.variants[0]))["quantityAvailable"]

    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("TOO_MANY_VARIANTS", ["input", "cartId"])]
    assert "95" in refused["userErrors"][0]["message"]
    assert left == 5


async def test_a_placed_order_feeds_the_recommenders_one_purchase_per_product(tmp_path: Path) -> None:
    recorded: list[Any] = []

    class Sink:
        async def record(self, events: Any) -> None:
            recorded.extend(events)

    async with shop_on("sqlite", tmp_path) as shop:
        interactions = shop.app.state.backends.interactions
        interactions.sinks = (Sink(),)
        variant = shop.variants[0]
        await shop.set_stock(variant, 5)
        product = (await shop.send(PRODUCT_OF, id=variant))["data"]["node"]["product"]["id"]
        cart = await shop.cart([(variant, 2)], owner="alice")
        await shop.checkout(cart, shop.as_user("alice"))
        await interactions.flush()

    purchases = [e for e in recorded if e.event_type.value == "PURCHASE"]
    assert [(e.item_id, e.user_id is not None) for e in purchases] == [(from_global_id(product)[1], True)]
