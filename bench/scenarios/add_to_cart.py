"""Add to cart: ``cartLinesAdd`` of one line to a shopper's 3-line cart, returning the cart summary a
storefront shows (item count, subtotal, total; it knows the cart's id already). The cart is read, its
variants and the added one loaded in one batch, the cart written conditionally: 3 backend calls, the
response priced from the variants already loaded.

Many shoppers, one cart each: the scenario prepares a pool of carts per target (``variables_pool``, three
times the load's connections or more) and the load adds to them in turn, so no two requests in flight touch
one cart. A cart gets many additions over a run: the line's quantity grows until stock clamps it (a
warning, not an error). Concurrent additions to one cart (they take turns within a process, and a lost
conditional write is retried) are a correctness matter, tested in ``tests/test_cart_api.py`` and
``tests/test_cart_race_dynamodb.py``, not timed here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.scenarios import Probe, Scenario
from bench.scenarios.home import CART_CREATE, stocked_variants

DOCUMENT = """mutation AddToCart($cartId: ID!, $lines: [CartLineInput!]!) {
  cartLinesAdd(cartId: $cartId, lines: $lines) {
    cart {
      totalQuantity
      cost { subtotalAmount { amount currencyCode } totalAmount { amount currencyCode } }
    }
    userErrors { field message code }
    warnings { code target }
  }
}"""


async def pool(probe: Probe, count: int) -> list[dict[str, Any]]:
    """``count`` shoppers' carts, each with the same 3 in-stock variants, and the variant a request adds."""
    stocked = await stocked_variants(probe)
    lines = [{"merchandiseId": v, "quantity": 1} for v in stocked[:3]]
    added = [{"merchandiseId": stocked[3], "quantity": 1}]
    limit = asyncio.Semaphore(8)

    async def cart() -> dict[str, Any] | None:
        async with limit:
            created = (await probe(CART_CREATE, {"lines": lines}))["data"]["cartCreate"]
        return {"cartId": created["cart"]["id"], "lines": added} if created["cart"] else None

    made = await asyncio.gather(*(cart() for _ in range(count)))
    return [v for v in made if v is not None]


def expect(data: dict[str, Any]) -> str:
    payload = data["cartLinesAdd"]
    if payload["userErrors"]:
        return f"refused: {payload['userErrors']}"
    if payload["cart"]["totalQuantity"] < 4:
        return f"expected at least 4 items, got {payload['cart']['totalQuantity']}"
    return ""


scenario = Scenario(
    name="add_to_cart",
    document=DOCUMENT,
    operation_name="AddToCart",
    variables_pool=pool,
    expect=expect,
    requires=("cart",),
    max_backend_calls=3,
)
