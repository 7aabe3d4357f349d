"""A shop for checkout tests: the app over a small generated catalog on SQLite or on DynamoDB (moto's server),
a variant with a known stock, carts made through the API, and checkout inputs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.ids import from_global_id, to_global_id
from bff.services.order_runtime import order_steps
from bff.services.order_worker import OrderWorker
from tests.conftest import app_client, make_settings

CHECKOUT = """mutation ($input: CheckoutCompleteInput!) { checkoutComplete(input: $input) {
  order { id status total { amount currencyCode } subtotal { amount } discountTotal { amount }
          shippingTotal { amount } lines { quantity unitPrice { amount } total { amount } variantId }
          history { status } }
  userErrors { field code message } warnings { message } } }"""
CREATE = """mutation ($input: CartInput) { cartCreate(input: $input) { cart { id } userErrors { code message } } }"""
ORDER = "query ($id: ID!) { order(id: $id) { status history { status reason } } }"
STOCK = """query ($id: ID!) { node(id: $id) { ... on ProductVariant { quantityAvailable price { amount }
  product { availableForSale } } } }"""
ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "12 St James's Square",
    "city": "London",
    "zip": "SW1Y 4JH",
    "countryCode": "GB",
}


def checkout_input(cart_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "cartId": cart_id,
        "idempotencyKey": str(uuid.uuid4()),
        "email": "ada@example.com",
        "shippingAddress": ADDRESS,
        "billingAddress": ADDRESS,
        "deliveryMethod": "STANDARD",
        "paymentToken": "tok_sandbox_approve",
        **overrides,
    }


class Shop:
    def __init__(self, http: httpx.AsyncClient, app: app_client, variants: list[str]) -> None:
        self.http = http
        self.app = app
        # Global ids of sellable variants; the first ones get their stock set by the tests.
        self.variants = variants

    async def send(self, query: str, headers: dict[str, str] | None = None, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def as_user(self, username: str) -> dict[str, str]:
        issuer = self.app.state.backends.local_issuer
        assert issuer is not None
        return {"authorization": f"Bearer {issuer.mint(username)}"}

    async def set_stock(self, variant: str, on_hand: int) -> None:
        await self.app.state.backends.catalog.set_stock([(from_global_id(variant)[1], on_hand)])

    async def stock(self, variant: str) -> dict[str, Any]:
        node: dict[str, Any] = (await self.send(STOCK, id=variant))["data"]["node"]
        return node

    async def cart(self, lines: list[tuple[str, int]], owner: str | None = None) -> str:
        """A new cart holding ``lines``; a guest's, or attached to the customer ``owner``."""
        wanted: dict[str, Any] = {"lines": [{"merchandiseId": v, "quantity": q} for v, q in lines]}
        headers = None
        if owner is not None:
            headers = self.as_user(owner)
            wanted["buyerIdentity"] = {"customerAccessToken": headers["authorization"].removeprefix("Bearer ")}
        payload = (await self.send(CREATE, headers, input=wanted))["data"]["cartCreate"]
        assert payload["userErrors"] == [], payload
        cart_id: str = payload["cart"]["id"]
        return cart_id

    async def checkout(self, cart_id: str, headers: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
        body = await self.send(CHECKOUT, headers, input=checkout_input(cart_id, **overrides))
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["checkoutComplete"]
        return payload

    async def run_workflow(self) -> None:
        backends = self.app.state.backends.orders
        assert backends.runs is not None
        await OrderWorker(backends.runs, order_steps(backends).by_name(), retry_scale=0.001).drain()


@asynccontextmanager
async def shop_on(backend: str, data_dir: Path, endpoint: str | None = None, products: int = 12) -> AsyncIterator[Shop]:
    """The app over ``products`` generated products on ``backend`` (``sqlite``, or ``dynamodb`` at ``endpoint``)."""
    categories, records = generate_catalog(products=products, seed=5)
    overrides: dict[str, Any] = {"order_worker_in_app": False, "response_cache": False, "max_query_cost": 10**9}
    if backend == "sqlite":
        store: SqliteCatalogStore | DynamoCatalogStore = await SqliteCatalogStore.open(data_dir / "catalog.sqlite3")
    else:
        table = f"checkout-{uuid.uuid4().hex[:8]}"
        dynamo = await DynamoCatalogStore.open(table, "us-east-1", endpoint)
        await create_table(dynamo.requests)
        store = dynamo
        policy = {"timeout_seconds": 120}
        overrides |= {"catalog_backend": "dynamodb", "aws_endpoint_url": endpoint, "dynamodb_table": table}
        overrides["call_policy"] = dict.fromkeys(("catalog", "carts", "orders", "discounts"), policy)
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.close()
    variants = [to_global_id("ProductVariant", v.id) for r in records for v in r.variants if v.available_for_sale]
    app = app_client(make_settings(data_dir, **overrides))
    async with app as http:
        yield Shop(http, app, variants)
