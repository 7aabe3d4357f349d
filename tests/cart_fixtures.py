"""An app on each cart store (SQLite, DynamoDB on moto's server) over the same catalog, and cart helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.settings import Settings
from tests.conftest import app_client, gql, make_settings

TABLE = "cart-contract"

CART_FIELDS = """
  id totalQuantity note createdAt updatedAt
  buyerIdentity { email countryCode signedIn }
  attributes { key value }
  discountCodes { code applicable }
  cost { subtotalAmount { amount currencyCode } totalAmount { amount currencyCode } totalTaxAmount { amount }
         checkoutChargeAmount { amount } }
  lines(first: 100) { nodes { id quantity merchandise { id price { amount } }
    cost { amountPerQuantity { amount } subtotalAmount { amount } totalAmount { amount } } attributes { key value } } }
"""
PAYLOAD = f"cart {{ {CART_FIELDS} }} userErrors {{ field message code }} warnings {{ code message target }}"
CREATE = f"mutation($input: CartInput) {{ cartCreate(input: $input) {{ {PAYLOAD} }} }}"
ADD = (
    "mutation($cartId: ID!, $lines: [CartLineInput!]!) "
    f"{{ cartLinesAdd(cartId: $cartId, lines: $lines) {{ {PAYLOAD} }} }}"
)
UPDATE = (
    "mutation($cartId: ID!, $lines: [CartLineUpdateInput!]!) "
    f"{{ cartLinesUpdate(cartId: $cartId, lines: $lines) {{ {PAYLOAD} }} }}"
)
REMOVE = f"mutation($cartId: ID!, $ids: [ID!]!) {{ cartLinesRemove(cartId: $cartId, lineIds: $ids) {{ {PAYLOAD} }} }}"
NOTE = f"mutation($cartId: ID!, $note: String!) {{ cartNoteUpdate(cartId: $cartId, note: $note) {{ {PAYLOAD} }} }}"
ATTRIBUTES = (
    "mutation($cartId: ID!, $attributes: [AttributeInput!]!) "
    f"{{ cartAttributesUpdate(cartId: $cartId, attributes: $attributes) {{ {PAYLOAD} }} }}"
)
CODES = (
    "mutation($cartId: ID!, $codes: [String!]!) "
    f"{{ cartDiscountCodesUpdate(cartId: $cartId, discountCodes: $codes) {{ {PAYLOAD} }} }}"
)
BUYER = (
    "mutation($cartId: ID!, $buyer: CartBuyerIdentityInput!) "
    f"{{ cartBuyerIdentityUpdate(cartId: $cartId, buyerIdentity: $buyer) {{ {PAYLOAD} }} }}"
)
READ = f"query($id: ID!) {{ cart(id: $id) {{ {CART_FIELDS} }} }}"
SUMMARY = "query($id: ID!) { cart(id: $id) { totalQuantity cost { totalAmount { amount currencyCode } } } }"
VARIANTS = (
    """{ products(first: 100) { nodes { variants(first: 10) { nodes { id quantityAvailable price { amount } } } } } }"""
)


async def send(
    http: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None, **variables: Any
) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables or None}, headers=headers or {})
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
async def cart_settings(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> dict[str, Settings]:
    categories, records = generate_catalog(products=80, seed=11)
    sqlite_dir, dynamo_dir = tmp_path_factory.mktemp("cart-sqlite"), tmp_path_factory.mktemp("cart-dynamodb")
    sqlite = await SqliteCatalogStore.open(make_settings(sqlite_dir).catalog_db_path)
    dynamodb = await DynamoCatalogStore.open(TABLE, "us-east-1", moto_endpoint)
    await create_table(dynamodb.requests)
    for store in (sqlite, dynamodb):
        await store.upsert_categories(categories)
        await store.upsert_products(records)
        await store.close()
    aws: dict[str, Any] = {"catalog_backend": "dynamodb", "aws_endpoint_url": moto_endpoint, "dynamodb_table": TABLE}
    aws["call_policy"] = {"catalog": {"timeout_seconds": 60}, "carts": {"timeout_seconds": 60}}
    roomy = {"max_query_cost": 10**9, "response_cache": False}
    return {"sqlite": make_settings(sqlite_dir, **roomy), "dynamodb": make_settings(dynamo_dir, **aws, **roomy)}


class Shop:
    """An app on one cart store, with the variants it sells and tokens for its customers."""

    def __init__(self, name: str, http: httpx.AsyncClient, app: app_client, settings: Settings) -> None:
        self.name, self.http, self.app, self.settings = name, http, app, settings

    async def variants(self, minimum_stock: int = 5) -> list[dict[str, Any]]:
        body = await gql(self.http, VARIANTS)
        found = [v for p in body["data"]["products"]["nodes"] for v in p["variants"]["nodes"]]
        return [v for v in found if v["quantityAvailable"] >= minimum_stock]

    def token(self, username: str, *groups: str) -> str:
        issuer = self.app.state.backends.local_issuer
        assert issuer is not None
        return issuer.mint(username, groups=groups)

    def as_user(self, username: str, *groups: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(username, *groups)}"}

    def second_process(self) -> app_client:
        """Another app on the same stores: its own in-process cart turns, as a second instance would have."""
        return app_client(self.settings)

    async def send(self, query: str, headers: dict[str, str] | None = None, **variables: Any) -> dict[str, Any]:
        return await send(self.http, query, headers, **variables)

    async def new_cart(self, lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
        body = await self.send(CREATE, input={"lines": lines or [], **fields})
        payload = body["data"]["cartCreate"]
        assert payload["userErrors"] == [], payload
        cart: dict[str, Any] = payload["cart"]
        return cart


@pytest.fixture(scope="module", params=["sqlite", "dynamodb"])
async def shop(request: pytest.FixtureRequest, cart_settings: dict[str, Settings]) -> AsyncIterator[Shop]:
    app = app_client(cart_settings[request.param])
    async with app as http:
        yield Shop(request.param, http, app, cart_settings[request.param])


def data_dir(settings: Settings) -> Path:
    return settings.data_dir
