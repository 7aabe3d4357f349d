"""Checkout: ``checkoutComplete`` of a fresh two-line guest cart with a fresh idempotency key — the
synchronous part only (the cart read, today's prices, the one transaction, the workflow's start: 4 backend
calls); the workflow's worker is off in the benchmark's servers.

A checkout happens once per cart and key (sent again, the key answers its order: the retry path), so the
scenario gives every request its own variables (``variables_pool``): carts prepared ahead through the API,
one per request. Their lines take one unit each of the catalog's in-stock variants in turn, never a
variant's last unit, so stock never runs out during a run and no order changes a product's availability.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from bench.scenarios import Probe, Scenario

DOCUMENT = """mutation Checkout($input: CheckoutCompleteInput!) {
  checkoutComplete(input: $input) {
    order { status }
    userErrors { field code message }
  }
}"""

STOCK = """query Stock($after: String) { products(first: 100, after: $after) {
  nodes { variants(first: 10) { nodes { id quantityAvailable } } }
  pageInfo { hasNextPage endCursor }
} }"""
CART_CREATE = """mutation ($lines: [CartLineInput!]) {
  cartCreate(input: { lines: $lines }) { cart { id } userErrors { code } }
}"""
ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "1 Main St",
    "city": "London",
    "zip": "N1",
    "countryCode": "GB",
}
LINES = 2


async def _units(probe: Probe) -> list[str]:
    """One entry per unit that may be sold (each in-stock variant's units but its last), round-robin."""
    spare: dict[str, int] = {}
    after = None
    while True:
        page = (await probe(STOCK, {"after": after}))["data"]["products"]
        for product in page["nodes"]:
            for v in product["variants"]["nodes"]:
                if (v["quantityAvailable"] or 0) > 1:
                    spare[v["id"]] = v["quantityAvailable"] - 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    units: list[str] = []
    while spare:
        for variant in list(spare):
            units.append(variant)
            spare[variant] -= 1
            if not spare[variant]:
                del spare[variant]
    return units


async def pool(probe: Probe, count: int) -> list[dict[str, Any]]:
    """``count`` checkouts' variables (fewer if the catalog's spare units run out), each its own cart and key."""
    units = await _units(probe)
    pairs = [units[i * LINES : (i + 1) * LINES] for i in range(min(count, len(units) // LINES))]
    pairs = [p for p in pairs if len(set(p)) == LINES]  # the last spare units of a single variant: left
    limit = asyncio.Semaphore(8)

    async def prepared(variants: list[str]) -> dict[str, Any] | None:
        lines = [{"merchandiseId": v, "quantity": 1} for v in variants]
        async with limit:
            created = (await probe(CART_CREATE, {"lines": lines}))["data"]["cartCreate"]
        if created["userErrors"] or created["cart"] is None:
            return None
        checkout = {
            "cartId": created["cart"]["id"],
            "idempotencyKey": str(uuid.uuid4()),
            "email": "ada@example.com",
            "shippingAddress": ADDRESS,
            "billingAddress": ADDRESS,
            "deliveryMethod": "STANDARD",
            "paymentToken": "tok_sandbox_approve",
        }
        return {"input": checkout}

    return [v for v in await asyncio.gather(*(prepared(p) for p in pairs)) if v is not None]


def expect(data: dict[str, Any]) -> str:
    payload = data["checkoutComplete"]
    if payload["userErrors"]:
        return f"refused: {payload['userErrors']}"
    if payload["order"] is None or payload["order"]["status"] != "PENDING":
        return f"expected a PENDING order, got {payload['order']}"
    return ""


scenario = Scenario(
    name="checkout",
    document=DOCUMENT,
    operation_name="Checkout",
    variables_pool=pool,
    pool_rate=600.0,
    expect=expect,
    requires=("order",),
    max_backend_calls=4,
)
