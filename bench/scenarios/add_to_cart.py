"""Add to cart: ``cartLinesAdd`` of one line to an existing 3-line cart, returning the cart summary a
storefront shows (item count, total). The cart is read, its variants and the added one loaded in one batch,
the cart written conditionally: 3 backend calls, the response priced from the variants already loaded.

Every request adds the same variant to the same cart: the line's quantity grows until stock clamps it (a
warning, not an error), and writes to one cart take turns within the server.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios import Probe, Scenario
from bench.scenarios.home import cart_with_lines

DOCUMENT = """mutation AddToCart($cartId: ID!, $lines: [CartLineInput!]!) {
  cartLinesAdd(cartId: $cartId, lines: $lines) {
    cart {
      id
      totalQuantity
      cost { subtotalAmount { amount currencyCode } totalAmount { amount currencyCode } }
    }
    userErrors { field message code }
    warnings { code target }
  }
}"""


async def prepare(probe: Probe) -> dict[str, Any]:
    cart_id, others = await cart_with_lines(probe, 3)
    return {"cartId": cart_id, "lines": [{"merchandiseId": others[0], "quantity": 1}]}


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
    prepare=prepare,
    expect=expect,
    requires=("cart",),
    max_backend_calls=3,
)
