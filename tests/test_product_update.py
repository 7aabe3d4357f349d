"""``productUpdate``: admins only, expected failures as userErrors, writes through the app's catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from bff.app import create_app
from bff.backends.local.issuer import LocalIssuer
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.domain.catalog import Category, ProductRecord, StockChange
from bff.ids import to_global_id
from tests.conftest import error_codes, make_settings

UPDATE = """
mutation Update($input: ProductUpdateInput!) {
  productUpdate(input: $input) {
    product { id title variants(first: 10) { nodes { id price { amount } quantityAvailable } } }
    userErrors { field message code }
  }
}
"""
PRODUCT = "query P($id: ID!) { product(id: $id) { variants(first: 10) { nodes { id price { amount } } } } }"


class RecordingListener:
    """A catalog listener, as cache invalidation and search indexing are: records what changed."""

    def __init__(self) -> None:
        self.products: list[str] = []

    async def products_changed(self, records: Sequence[ProductRecord]) -> None:
        self.products.extend(r.product.id for r in records)

    async def stock_changed(self, change: StockChange) -> None:
        self.products.extend(change.product_ids)

    async def categories_changed(self, categories: Sequence[Category]) -> None:
        pass


class Shop:
    def __init__(self, http: httpx.AsyncClient, issuer: LocalIssuer, listener: RecordingListener) -> None:
        self.http, self.issuer, self.listener = http, issuer, listener

    async def post(self, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def token(self, *groups: str) -> str:
        return self.issuer.mint("staff@example.com", groups=groups)


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    settings = make_settings(tmp_path)
    store = await SqliteCatalogStore.open(settings.catalog_db_path)
    categories, records = generate_catalog(products=5, seed=11)
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.close()
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60) as manager:
        listener = RecordingListener()
        catalog = app.state.bff.backends.catalog
        catalog.listeners = (*catalog.listeners, listener)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:
            yield Shop(http, LocalIssuer.load_or_create(tmp_path), listener)


async def _first_product(shop: Shop) -> tuple[str, list[str]]:
    body = await shop.post("{ products(first: 1) { nodes { id variants(first: 10) { nodes { id } } } } }")
    node = body["data"]["products"]["nodes"][0]
    return node["id"], [v["id"] for v in node["variants"]["nodes"]]


async def test_anonymous_callers_are_unauthenticated(shop: Shop) -> None:
    product, variants = await _first_product(shop)
    body = await shop.post(UPDATE, input={"id": product, "variants": [{"id": variants[0], "price": "1.00"}]})
    assert body["data"] == {"productUpdate": None}
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_customers_are_forbidden(shop: Shop) -> None:
    product, variants = await _first_product(shop)
    variables = {"input": {"id": product, "variants": [{"id": variants[0], "price": "1.00"}]}}
    body = await shop.post(UPDATE, shop.token("customers"), **variables)
    assert body["data"] == {"productUpdate": None}
    assert error_codes(body) == ["FORBIDDEN"]
    assert shop.listener.products == []


async def test_admins_change_prices_and_stock_for_everyone_to_see(shop: Shop) -> None:
    product, variants = await _first_product(shop)
    change = {"id": variants[0], "price": "12.34", "quantityAvailable": 7}
    body = await shop.post(UPDATE, shop.token("admin"), input={"id": product, "variants": [change]})
    payload = body["data"]["productUpdate"]
    assert payload["userErrors"] == []
    changed = payload["product"]["variants"]["nodes"][0]
    assert (changed["price"]["amount"], changed["quantityAvailable"]) == ("12.34", 7)
    seen = await shop.post(PRODUCT, id=product)  # a following, anonymous read
    assert seen["data"]["product"]["variants"]["nodes"][0]["price"]["amount"] == "12.34"
    assert shop.listener.products == [shop.listener.products[0]] and len(shop.listener.products) == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"price": "-1.00"}, ["input", "variants", "0", "price"], "INVALID_PRICE"),
        ({"price": "1.001"}, ["input", "variants", "0", "price"], "INVALID_PRICE"),
        ({"price": "NaN"}, ["input", "variants", "0", "price"], "INVALID_PRICE"),
        ({"compareAtPrice": "-5"}, ["input", "variants", "0", "compareAtPrice"], "INVALID_PRICE"),
        ({"quantityAvailable": -3}, ["input", "variants", "0", "quantityAvailable"], "INVALID_QUANTITY"),
        ({"id": "bm90LWFuLWlk"}, ["input", "variants", "0", "id"], "INVALID_ID"),
        (
            {"id": to_global_id("ProductVariant", "no-such-variant")},
            ["input", "variants", "0", "id"],
            "VARIANT_NOT_FOUND",
        ),
    ],
)
async def test_bad_variant_changes_are_user_errors_and_write_nothing(
    shop: Shop, change: dict[str, Any], field: list[str], code: str
) -> None:
    product, variants = await _first_product(shop)
    before = await shop.post(PRODUCT, id=product)
    body = await shop.post(
        UPDATE, shop.token("admin"), input={"id": product, "variants": [{"id": variants[0], **change}]}
    )
    assert "errors" not in body
    payload = body["data"]["productUpdate"]
    assert payload["product"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert await shop.post(PRODUCT, id=product) == before
    assert shop.listener.products == []


async def test_an_unknown_product_is_a_user_error(shop: Shop) -> None:
    missing = to_global_id("Product", "no-such-product")
    body = await shop.post(UPDATE, shop.token("admin"), input={"id": missing, "title": "New"})
    assert body["data"]["productUpdate"]["userErrors"][0]["code"] == "PRODUCT_NOT_FOUND"


async def test_a_variant_listed_twice_is_a_user_error(shop: Shop) -> None:
    product, variants = await _first_product(shop)
    twice = [{"id": variants[0], "price": "1.00"}, {"id": variants[0], "price": "2.00"}]
    body = await shop.post(UPDATE, shop.token("admin"), input={"id": product, "variants": twice})
    assert [e["code"] for e in body["data"]["productUpdate"]["userErrors"]] == ["DUPLICATE_VARIANT"]


async def test_a_blank_title_is_a_user_error(shop: Shop) -> None:
    product, _ = await _first_product(shop)
    body = await shop.post(UPDATE, shop.token("admin"), input={"id": product, "title": "   "})
    assert [e["code"] for e in body["data"]["productUpdate"]["userErrors"]] == ["INVALID_TITLE"]
