"""Who may use a cart, merging on sign-in, and carts kept out of the public response cache (both stores)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.cart_fixtures import ADD, BUYER, NOTE, READ, Shop, send
from tests.conftest import app_client

CUSTOMER_CART = "{ customer { cart { id totalQuantity lines(first: 10) { nodes { quantity merchandise { id } } } } } }"


def fresh(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def lines_of(cart: dict[str, Any]) -> dict[str, int]:
    return {ln["merchandise"]["id"]: ln["quantity"] for ln in cart["lines"]["nodes"]}


async def attach(shop: Shop, http: Any, cart_id: str, username: str) -> dict[str, Any]:
    token = shop.token(username)
    body = await send(http, BUYER, cartId=cart_id, buyer={"customerAccessToken": token, "email": "a@example.com"})
    payload: dict[str, Any] = body["data"]["cartBuyerIdentityUpdate"]
    assert payload["userErrors"] == [], payload
    return payload


async def test_an_attached_cart_is_its_customers_alone(shop: Shop) -> None:
    a = (await shop.variants())[0]
    cart = await shop.new_cart([{"merchandiseId": a["id"]}])
    # A guest cart: whoever holds the id.
    assert (await shop.send(READ, id=cart["id"]))["data"]["cart"]["id"] == cart["id"]
    alice = fresh("alice")
    payload = await attach(shop, shop.http, cart["id"], alice)
    assert payload["cart"]["buyerIdentity"] == {"email": "a@example.com", "countryCode": None, "signedIn": True}

    owner = shop.as_user(alice)
    assert (await shop.send(READ, owner, id=cart["id"]))["data"]["cart"]["id"] == cart["id"]
    assert (await shop.send(READ, shop.as_user("support", "admin"), id=cart["id"]))["data"]["cart"] is not None
    node = "query($id: ID!) { node(id: $id) { id ... on Cart { totalQuantity } } }"
    for headers in (None, shop.as_user(fresh("bob"))):
        for document, variables in (
            (READ, {"id": cart["id"]}),
            (node, {"id": cart["id"]}),
            (NOTE, {"cartId": cart["id"], "note": "mine now"}),
            (ADD, {"cartId": cart["id"], "lines": [{"merchandiseId": a["id"]}]}),
        ):
            body = await shop.send(document, headers, **variables)
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
            assert "this cart belongs to a signed-in customer" in body["errors"][0]["message"]
    # Nothing changed.
    read = (await shop.send(READ, owner, id=cart["id"]))["data"]["cart"]
    assert read["note"] is None and read["totalQuantity"] == 1
    assert (await shop.send(CUSTOMER_CART, owner))["data"]["customer"]["cart"]["id"] == cart["id"]


async def test_an_invalid_customer_token_is_a_user_error(shop: Shop) -> None:
    cart = await shop.new_cart()
    body = await shop.send(BUYER, cartId=cart["id"], buyer={"customerAccessToken": "not-a-token"})
    payload = body["data"]["cartBuyerIdentityUpdate"]
    assert payload["cart"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["buyerIdentity", "customerAccessToken"], "INVALID")
    ]


@pytest.mark.parametrize("strategy", ["MERGE", "KEEP_GUEST", "KEEP_EXISTING"])
async def test_signing_in_with_a_guest_cart_follows_the_merge_strategy(shop: Shop, strategy: str) -> None:
    a, b, c = (await shop.variants(10))[:3]
    settings = shop.settings.model_copy(update={"cart_merge_strategy": strategy})
    async with app_client(settings) as http:
        alice = fresh("alice")
        existing = await shop.new_cart(
            [{"merchandiseId": a["id"], "quantity": 1}, {"merchandiseId": b["id"], "quantity": 2}]
        )
        await attach(shop, http, existing["id"], alice)
        guest = await shop.new_cart(
            [{"merchandiseId": a["id"], "quantity": 2}, {"merchandiseId": c["id"], "quantity": 1}]
        )
        kept = (await attach(shop, http, guest["id"], alice))["cart"]
        owner = shop.as_user(alice)
        current = (await send(http, CUSTOMER_CART, owner))["data"]["customer"]["cart"]
        assert current["id"] == kept["id"]
        gone = existing if strategy != "KEEP_EXISTING" else guest
        assert (await send(http, READ, owner, id=gone["id"]))["data"]["cart"] is None
        expected = {
            "MERGE": (guest["id"], {a["id"]: 3, b["id"]: 2, c["id"]: 1}),
            "KEEP_GUEST": (guest["id"], {a["id"]: 2, c["id"]: 1}),
            "KEEP_EXISTING": (existing["id"], {a["id"]: 1, b["id"]: 2}),
        }[strategy]
        assert (kept["id"], lines_of(current)) == expected
        # After it, another customer and an anonymous caller get FORBIDDEN.
        for headers in (shop.as_user(fresh("mallory")), None):
            body = await send(http, READ, headers, id=kept["id"])
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_a_cart_is_never_served_from_the_public_response_cache(shop: Shop) -> None:
    a = (await shop.variants())[0]
    settings = shop.settings.model_copy(update={"response_cache": True})
    async with app_client(settings) as http:
        cart = await shop.new_cart([{"merchandiseId": a["id"]}])
        query = "query($id: ID!) { node(id: $id) { id ... on Cart { totalQuantity } } }"
        params = {"query": query, "variables": f'{{"id": "{cart["id"]}"}}'}
        first = await http.get("/graphql", params=params)
        assert first.json()["data"]["node"]["totalQuantity"] == 1
        assert "public" not in first.headers.get("cache-control", "")
        await send(http, ADD, cartId=cart["id"], lines=[{"merchandiseId": a["id"]}])
        second = await http.get("/graphql", params=params)
        assert second.json()["data"]["node"]["totalQuantity"] == 2
        assert second.json()["extensions"]["backendCalls"]["total"] >= 2  # executed, not a cached answer
        # A catalog-only node is still public.
        product = await http.get("/graphql", params={"query": f'{{ node(id: "{a["id"]}") {{ id }} }}'})
        assert product.headers["cache-control"].startswith("public")


async def test_nodes_answers_another_customers_cart_as_forbidden_in_its_slot_only(shop: Shop) -> None:
    a = (await shop.variants())[0]
    cart = await shop.new_cart([{"merchandiseId": a["id"]}])
    await attach(shop, shop.http, cart["id"], fresh("alice"))
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    body = await shop.send(query, shop.as_user(fresh("bob")), ids=[a["id"], cart["id"]])
    assert body["data"]["nodes"] == [{"id": a["id"]}, None]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["nodes", 1], "FORBIDDEN")]
