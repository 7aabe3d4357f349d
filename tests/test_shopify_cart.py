"""The cart documents a Shopify-targeting storefront sends (``tests/shopify_operations/cart_*.graphql``), run
through Shopify's endpoint shape on the embedded cart store and on DynamoDB (moto), with the default cost
limit on and queries run from their compiled plans: no ``errors`` anywhere, and the server's arithmetic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse, validate

from bff.graphql.compiled_run import stats
from bff.settings import Settings
from resolvers.schema import schema
from tests.cart_fixtures import Shop
from tests.conftest import app_client
from tests.test_hosted_checkout import patient

OPERATIONS = Path(__file__).parent / "shopify_operations"
ENDPOINT = "/api/2025-01/graphql.json"
DEFAULT_MAX_COST = Settings.model_fields["max_query_cost"].default


def document(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text() + "\n" + (OPERATIONS / "cart_fragment.graphql").read_text()


CART_DOCUMENTS = sorted(p.stem for p in OPERATIONS.glob("cart_*.graphql") if p.stem != "cart_fragment")


@pytest.mark.parametrize("name", CART_DOCUMENTS)
def test_each_cart_document_validates_against_the_schema(name: str) -> None:
    assert validate(schema._schema, parse(document(name))) == []


@pytest.fixture(scope="module", params=["sqlite", "dynamodb"])
async def storefront(request: pytest.FixtureRequest, cart_settings: dict[str, Settings]) -> AsyncIterator[Shop]:
    """The app with the default cost limit (cart_settings lifts it for its own tests) and plans on."""
    settings = cart_settings[request.param].model_copy(
        update={"max_query_cost": DEFAULT_MAX_COST, "compiled_execution": True}
    )
    app = patient(app_client(settings))
    async with app as http:
        yield Shop(request.param, http, app, settings)


async def run(http: httpx.AsyncClient, name: str, **variables: Any) -> dict[str, Any]:
    response = await http.post(ENDPOINT, json={"query": document(name), "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    assert body["extensions"]["cost"]["maxCost"] == DEFAULT_MAX_COST
    assert body["extensions"]["cost"]["requestedQueryCost"] <= DEFAULT_MAX_COST
    return body


def payload(body: dict[str, Any]) -> dict[str, Any]:
    [result] = body["data"].values()
    assert isinstance(result, dict)
    return result


def lines(cart: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in cart["lines"]["edges"]]


def amount(money: dict[str, Any]) -> Decimal:
    return Decimal(money["amount"])


async def test_a_storefront_s_cart_flow_runs_without_errors(storefront: Shop) -> None:
    http = storefront.http
    first, second = (await storefront.variants(minimum_stock=10))[:2]
    buyer = {"email": "ada@example.com", "phone": "+442079460000", "countryCode": "gb"}
    line = {"merchandiseId": first["id"], "quantity": 2}
    created = payload(await run(http, "cart_create", lines=[line], buyerIdentity=buyer))
    assert created["userErrors"] == []
    cart = created["cart"]
    assert cart["totalQuantity"] == 2
    assert cart["buyerIdentity"] == {
        "email": "ada@example.com",
        "phone": "+442079460000",
        "countryCode": "GB",
        "customer": None,
    }
    [only] = lines(cart)
    assert amount(only["cost"]["subtotalAmount"]) == amount(first["price"]) * 2
    assert only["merchandise"]["id"] == first["id"] and only["merchandise"]["product"]["handle"]
    assert cart["cost"]["totalDutyAmount"] is None and cart["cost"]["totalTaxAmount"] is None
    assert cart["checkoutUrl"].startswith("http://bff/checkout/")
    page = await http.get(cart["checkoutUrl"])
    assert page.status_code == 200 and first["id"] not in page.text  # the page shows titles, not ids
    cart_id = cart["id"]

    added = payload(await run(http, "cart_lines_add", cartId=cart_id, lines=[{"merchandiseId": second["id"]}]))
    assert added["userErrors"] == [] and added["cart"]["totalQuantity"] == 3
    by_variant = {n["merchandise"]["id"]: n for n in lines(added["cart"])}

    update = [{"id": by_variant[first["id"]]["id"], "quantity": 3}]
    updated = payload(await run(http, "cart_lines_update", cartId=cart_id, lines=update))
    assert updated["cart"]["totalQuantity"] == 4
    expected = amount(first["price"]) * 3 + amount(second["price"])
    assert amount(updated["cart"]["cost"]["subtotalAmount"]) == expected

    removed = payload(await run(http, "cart_lines_remove", cartId=cart_id, lineIds=[by_variant[second["id"]]["id"]]))
    assert [n["merchandise"]["id"] for n in lines(removed["cart"])] == [first["id"]]

    codes = payload(await run(http, "cart_discount_codes_update", cartId=cart_id, discountCodes=["NO-SUCH-CODE"]))
    assert codes["cart"]["discountCodes"] == [{"code": "NO-SUCH-CODE", "applicable": False}]
    cleared = payload(await run(http, "cart_discount_codes_update", cartId=cart_id, discountCodes=None))
    assert cleared["cart"]["discountCodes"] == []

    refused = payload(await run(http, "cart_buyer_identity_update", cartId=cart_id, buyerIdentity={"phone": "0207"}))
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["buyerIdentity", "phone"], "INVALID")]
    assert refused["cart"] is None
    noted = payload(await run(http, "cart_note_update", cartId=cart_id, note="Leave at the door"))
    assert noted["cart"]["note"] == "Leave at the door"
    attributes = [{"key": "gift", "value": "yes"}]
    tagged = payload(await run(http, "cart_attributes_update", cartId=cart_id, attributes=attributes))
    assert tagged["cart"]["attributes"] == attributes

    before = stats["compiled"]
    read = (await run(http, "cart_read", cartId=cart_id))["data"]["cart"]
    assert stats["compiled"] == before + 1  # the read ran from its compiled plan
    assert read["totalQuantity"] == 3 and read["note"] == "Leave at the door"
    assert read["buyerIdentity"]["phone"] == "+442079460000"  # the refused change wrote nothing
    assert amount(read["cost"]["totalAmount"]) == amount(first["price"]) * 3


async def test_a_customer_s_cart_names_the_customer_to_them_only(storefront: Shop) -> None:
    [variant] = (await storefront.variants(minimum_stock=10))[:1]
    token = storefront.token("grace")
    line = [{"merchandiseId": variant["id"]}]
    created = await storefront.http.post(
        ENDPOINT,
        json={
            "query": document("cart_create"),
            "variables": {"lines": line, "buyerIdentity": {"customerAccessToken": token}},
        },
        headers={"authorization": f"Bearer {token}"},
    )
    cart = created.json()["data"]["cartCreate"]["cart"]
    customer = cart["buyerIdentity"]["customer"]
    assert customer is not None and customer["displayName"] == "grace"
    # The link carries a key made for this cart: its page opens without the customer's token.
    assert (await storefront.http.get(cart["checkoutUrl"])).status_code == 200
    url = cart["checkoutUrl"]
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert (await storefront.http.get(tampered)).status_code == 404
