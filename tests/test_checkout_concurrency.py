"""Checkouts racing through GraphQL: 100 for the last 10 units (SQLite, and DynamoDB on a moto server that
serves one request at a time, as DynamoDB applies a condition and its write atomically per item), a flash sale
of 200 on one variant, 20 sends of one idempotency key; and what a sold-out order retires from the caches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bff.backends.cache_generation import GENERATION_KEY
from tests.checkout_fixtures import Shop, checkout_input, shop_on

SIBLINGS = (
    "query ($id: ID!) { node(id: $id) { ... on ProductVariant { product { variants(first: 50) { nodes { id } } } } } }"
)


@pytest.fixture(params=["sqlite", "dynamodb"])
async def shop(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Shop]:
    endpoint = request.getfixturevalue("serial_aws") if request.param == "dynamodb" else None
    async with shop_on(request.param, tmp_path, endpoint) as shop:
        yield shop


async def _race(shop: Shop, carts: list[str]) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(shop.checkout(cart) for cart in carts)))


async def test_100_checkouts_for_the_last_10_units_make_exactly_10_orders(shop: Shop) -> None:
    variant = shop.variants[0]
    await shop.set_stock(variant, 100)
    carts = [await shop.cart([(variant, 1)]) for _ in range(100)]
    await shop.set_stock(variant, 10)  # the carts were filled while there was plenty

    answers = await _race(shop, carts)

    placed = [a for a in answers if a["order"] is not None]
    refused = [a for a in answers if a["order"] is None]
    assert len(placed) == 10
    assert len(refused) == 90
    assert all([e["code"] for e in a["userErrors"]] == ["INSUFFICIENT_STOCK"] for a in refused)
    assert (await shop.stock(variant))["quantityAvailable"] == 0


async def test_a_flash_sale_of_200_checkouts_on_one_variant_never_oversells(tmp_path: Path) -> None:
    async with shop_on("sqlite", tmp_path) as shop:
        variant = shop.variants[0]
        await shop.set_stock(variant, 400)
        carts = [await shop.cart([(variant, 2)]) for _ in range(200)]
        await shop.set_stock(variant, 75)

        answers = await _race(shop, carts)
        left = (await shop.stock(variant))["quantityAvailable"]

    assert sum(1 for a in answers if a["order"] is not None) == 37  # 37 x 2 = 74 of 75
    assert {e["code"] for a in answers for e in a["userErrors"]} == {"INSUFFICIENT_STOCK"}
    assert left == 1


async def test_one_key_sent_20_times_at_once_makes_one_order(shop: Shop) -> None:
    variant = shop.variants[0]
    await shop.set_stock(variant, 10)
    cart = await shop.cart([(variant, 1)])
    data = checkout_input(cart)
    query = "mutation ($input: CheckoutCompleteInput!) { checkoutComplete(input: $input) { order { id } } }"

    answers = await asyncio.gather(*(shop.send(query, input=data) for _ in range(20)))

    ids = {a["data"]["checkoutComplete"]["order"]["id"] for a in answers}
    assert len(ids) == 1
    assert (await shop.stock(variant))["quantityAvailable"] == 9


async def test_only_an_order_that_sells_a_product_out_retires_cached_responses(tmp_path: Path) -> None:
    async with shop_on("sqlite", tmp_path) as shop:
        cache = shop.app.state.backends.cache
        variant = shop.variants[0]
        siblings = await shop.send(SIBLINGS, id=variant)
        for node in siblings["data"]["node"]["product"]["variants"]["nodes"]:
            await shop.set_stock(node["id"], 3 if node["id"] == variant else 0)
        first, last = await shop.cart([(variant, 1)]), await shop.cart([(variant, 2)])
        [before] = await cache.get_many([GENERATION_KEY])

        await shop.checkout(first)
        [after_first] = await cache.get_many([GENERATION_KEY])
        still = await shop.stock(variant)
        await shop.checkout(last)
        [after_last] = await cache.get_many([GENERATION_KEY])
        sold_out = await shop.stock(variant)

    assert after_first == before  # the product is still available: nothing retired
    assert still["product"]["availableForSale"] is True
    assert after_last != after_first  # its last units sold: the cached responses that show it are retired
    assert sold_out["product"]["availableForSale"] is False
