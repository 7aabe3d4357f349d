"""The hosted checkout ``Cart.checkoutUrl`` leads to, driven as a browser without JavaScript drives it: GET the
page, POST its form, follow the redirect, reload the order's status page."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from bff.ids import from_global_id
from bff.settings import Settings
from tests.cart_fixtures import Shop
from tests.conftest import app_client, gql, make_settings

CREATE = """mutation ($input: CartInput) { cartCreate(input: $input) {
  cart { id checkoutUrl } userErrors { code message } } }"""
CART = "query ($id: ID!) { cart(id: $id) { totalQuantity lines(first: 10) { nodes { quantity merchandise { id } } } } }"
VARIANTS = """{ products(first: 30) { nodes { title variants(first: 5) { nodes { id title quantityAvailable } } } } }"""
STOCK = "query ($id: ID!) { node(id: $id) { ... on ProductVariant { quantityAvailable } } }"
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address1": "12 St James's Square",
    "city": "London",
    "zip": "SW1Y 4JH",
    "country_code": "GB",
}


def patient(app: app_client) -> app_client:
    """``app`` given a minute to start and stop: a busy machine (moto's server, several apps) needs more than
    the lifespan's default 5 s."""
    app.manager = LifespanManager(app.app, startup_timeout=60, shutdown_timeout=60)
    return app


@pytest.fixture(scope="module")
async def shop(tmp_path_factory: pytest.TempPathFactory, seeded_dir: Path) -> AsyncIterator[app_client]:
    """The app over its own copy of the seeded catalog (checkouts take stock), its order worker running."""
    data_dir = tmp_path_factory.mktemp("hosted-checkout")
    shutil.copytree(seeded_dir, data_dir, dirs_exist_ok=True)
    app = patient(app_client(make_settings(data_dir, order_retry_scale=0.001, order_poll_seconds=0.05)))
    async with app:
        yield app


@pytest.fixture
def http(shop: app_client) -> httpx.AsyncClient:
    return shop.http


@pytest.fixture(scope="module", params=["sqlite", "dynamodb"])
async def shop_on_each_store(request: pytest.FixtureRequest, cart_settings: dict[str, Settings]) -> AsyncIterator[Shop]:
    base = cart_settings[request.param]
    slow = {"timeout_seconds": 60}  # moto's server on a busy machine
    policy = {**base.call_policy, **dict.fromkeys(("orders", "order_workflow", "payments", "risk"), slow)}
    settings = base.model_copy(update={"call_policy": policy})
    app = patient(app_client(settings))
    async with app as http:
        yield Shop(request.param, http, app, settings)


async def variant(http: httpx.AsyncClient, minimum: int = 10, skip: int = 0) -> dict[str, Any]:
    products = (await gql(http, VARIANTS))["data"]["products"]["nodes"]
    found = [{**v, "product": p["title"]} for p in products for v in p["variants"]["nodes"]]
    return [v for v in found if v["quantityAvailable"] >= minimum][skip]


async def new_cart(http: httpx.AsyncClient, variant_id: str, quantity: int = 2, **headers: str) -> dict[str, Any]:
    lines = [{"merchandiseId": variant_id, "quantity": quantity}]
    response = await http.post(
        "/graphql", json={"query": CREATE, "variables": {"input": {"lines": lines}}}, headers=headers
    )
    payload = response.json()["data"]["cartCreate"]
    assert payload["userErrors"] == []
    cart: dict[str, Any] = payload["cart"]
    return cart


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def filled(html: str, payment: str = "tok_sandbox_approve", **overrides: str) -> dict[str, str]:
    return {
        **form_fields(html),
        "email": "ada@example.com",
        **ADDRESS,
        "delivery_method": "STANDARD",
        "payment_token": payment,
        **overrides,
    }


async def stock(http: httpx.AsyncClient, variant_id: str) -> int:
    return int((await gql(http, STOCK, id=variant_id))["data"]["node"]["quantityAvailable"])


async def status_page_until(http: httpx.AsyncClient, location: str, *statuses: str) -> str:
    """The order page once it shows one of ``statuses`` (reloaded as its meta refresh would)."""
    for _ in range(400):
        page = (await http.get(location)).text
        if any(f'id="order-status">{s}<' in page for s in statuses):
            return page
        await asyncio.sleep(0.05)
    raise AssertionError(f"the order never reached {statuses}: {page}")


async def test_the_page_shows_the_cart_and_loads_nothing_from_elsewhere(http: httpx.AsyncClient) -> None:
    chosen = await variant(http)
    cart = await new_cart(http, chosen["id"], 3)
    page = await http.get(cart["checkoutUrl"])

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert chosen["title"] in page.text and "<td>3</td>" in page.text
    assert "<script" not in page.text
    links = re.findall(r'(?:src|href|action)="([^"]*)"', page.text)
    assert links and all(link.startswith(("/", "#")) for link in links), links
    for label in ("Email", "First name", "Postal code", "Delivery method", "Payment (sandbox)"):
        assert label in page.text
    assert len(re.findall(r"<label for=", page.text)) >= 12  # every input is labelled
    css = await http.get("/checkout/assets/checkout.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_a_wrong_key_or_an_unknown_cart_is_not_found(http: httpx.AsyncClient) -> None:
    cart = await new_cart(http, (await variant(http))["id"])
    url = cart["checkoutUrl"]
    wrong = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert (await http.get(wrong)).status_code == 404
    assert (await http.get(url.split("?")[0])).status_code == 404
    assert (await http.get("/checkout/Q2FydDpub3RoaW5n?key=abc")).status_code == 404


async def test_a_post_without_the_form_s_token_places_nothing(http: httpx.AsyncClient) -> None:
    chosen = await variant(http)
    cart = await new_cart(http, chosen["id"])
    form = filled((await http.get(cart["checkoutUrl"])).text)
    before = await stock(http, chosen["id"])

    forged = await http.post(cart["checkoutUrl"], data={**form, "csrf": "0" * 32})
    other_key = await http.post(cart["checkoutUrl"], data={**form, "idempotency_key": "another-key"})

    assert forged.status_code == 403 and other_key.status_code == 403
    assert (await gql(http, CART, id=cart["id"]))["data"]["cart"]["totalQuantity"] == 2
    assert await stock(http, chosen["id"]) == before


async def test_refused_input_is_shown_escaped_and_the_cart_is_kept(http: httpx.AsyncClient) -> None:
    cart = await new_cart(http, (await variant(http))["id"])
    form = filled((await http.get(cart["checkoutUrl"])).text, email="not-an-email", city="")
    form["first_name"] = "<script>alert(1)</script>"

    refused = await http.post(cart["checkoutUrl"], data=form)

    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and "Enter a valid email address." in refused.text
    assert 'id="f-email" name="email" type="email" value="not-an-email"' in refused.text
    assert 'aria-invalid="true" aria-describedby="e-city"' in refused.text
    assert "<script>alert(1)</script>" not in refused.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in refused.text
    assert (await gql(http, CART, id=cart["id"]))["data"]["cart"]["totalQuantity"] == 2
    assert form_fields(refused.text)["idempotency_key"] != form["idempotency_key"]  # a fresh form


async def test_oversized_or_overfull_forms_are_refused_without_an_order(http: httpx.AsyncClient) -> None:
    cart = await new_cart(http, (await variant(http))["id"])
    form = filled((await http.get(cart["checkoutUrl"])).text)
    too_many = {**form, **{f"extra{i}": "x" for i in range(100)}}
    too_large = {**form, "address2": "x" * 20_000}

    for data in (too_many, too_large):
        refused = await http.post(cart["checkoutUrl"], data=data)
        assert refused.status_code == 413 and refused.headers["content-type"].startswith("text/html")
    assert (await gql(http, CART, id=cart["id"]))["data"]["cart"]["totalQuantity"] == 2


async def test_an_approved_payment_places_one_order_however_often_the_form_is_sent(
    shop: app_client, http: httpx.AsyncClient
) -> None:
    chosen = await variant(http, skip=1)
    before = await stock(http, chosen["id"])
    cart = await new_cart(http, chosen["id"], 2)
    form = filled((await http.get(cart["checkoutUrl"])).text)

    answers = await asyncio.gather(*(http.post(cart["checkoutUrl"], data=form) for _ in range(3)))
    again = await http.post(cart["checkoutUrl"], data=form)

    locations = {a.headers.get("location") for a in (*answers, again)}
    assert [a.status_code for a in (*answers, again)] == [303] * 4 and len(locations) == 1, answers
    [location] = locations
    assert location is not None
    page = await status_page_until(http, location, "FULFILLED")
    assert 'http-equiv="refresh"' not in page  # final: no more reloads
    assert chosen["product"] in page and chosen["title"] in page
    assert await stock(http, chosen["id"]) == before - 2  # reserved once, not per post
    order_id = from_global_id(location.split("/")[-1].split("?")[0], "Order")[1]
    [order] = await shop.state.backends.orders.orders.get_orders([order_id])
    assert order is not None and order.payment_token == "tok_sandbox_approve" and order.customer_id is None
    assert (await gql(http, CART, id=cart["id"]))["data"]["cart"] is None  # checked out


async def test_the_order_page_needs_its_key(http: httpx.AsyncClient) -> None:
    cart = await new_cart(http, (await variant(http))["id"], 1)
    form = filled((await http.get(cart["checkoutUrl"])).text)
    location = (await http.post(cart["checkoutUrl"], data=form)).headers["location"]
    assert (await http.get(location)).status_code == 200
    assert (await http.get(location.split("?")[0] + "?key=" + "0" * 32)).status_code == 404


async def test_a_declined_payment_says_so_and_gives_the_cart_back(http: httpx.AsyncClient) -> None:
    chosen = await variant(http, skip=2)
    before = await stock(http, chosen["id"])
    cart = await new_cart(http, chosen["id"], 2)
    form = filled((await http.get(cart["checkoutUrl"])).text, payment="tok_sandbox_decline")
    location = (await http.post(cart["checkoutUrl"], data=form)).headers["location"]

    page = await status_page_until(http, location, "CANCELLED", "PAID", "FULFILLED")
    assert 'id="order-status">CANCELLED<' in page
    assert "Your payment was declined" in page and "card_declined" in page
    [retry] = re.findall(r'id="retry" href="([^"]+)"', page)
    reloaded = (await http.get(location)).text
    assert re.findall(r'id="retry" href="([^"]+)"', reloaded) == [retry]  # one cart per declined order
    assert await stock(http, chosen["id"]) == before  # the reservation was released

    restored_page = await http.get(retry.replace("&amp;", "&"))
    assert restored_page.status_code == 200 and chosen["product"] in restored_page.text
    restored_gid = retry.split("/checkout/")[1].split("?")[0]
    restored = (await gql(http, CART, id=restored_gid.replace("%3D", "=")))["data"]["cart"]
    assert [(n["merchandise"]["id"], n["quantity"]) for n in restored["lines"]["nodes"]] == [(chosen["id"], 2)]
    # And it checks out like any cart.
    again = filled(restored_page.text)
    paid = await http.post(retry.replace("&amp;", "&"), data=again)
    assert paid.status_code == 303
    await status_page_until(http, paid.headers["location"], "FULFILLED")


async def test_a_customer_s_cart_is_checked_out_as_that_customer(shop: app_client, http: httpx.AsyncClient) -> None:
    issuer = shop.state.backends.local_issuer
    assert issuer is not None
    token = issuer.mint("grace")
    chosen = await variant(http)
    cart = await new_cart(http, chosen["id"], 1, authorization=f"Bearer {token}")
    attach = """mutation ($id: ID!, $buyer: CartBuyerIdentityInput!) { cartBuyerIdentityUpdate(cartId: $id,
      buyerIdentity: $buyer) { cart { checkoutUrl } userErrors { code } } }"""
    response = await http.post(
        "/graphql",
        json={"query": attach, "variables": {"id": cart["id"], "buyer": {"customerAccessToken": token}}},
        headers={"authorization": f"Bearer {token}"},
    )
    url = response.json()["data"]["cartBuyerIdentityUpdate"]["cart"]["checkoutUrl"]
    assert (await gql(http, CART, id=cart["id"]))["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    page = await http.get(url)  # no token: the link's key is the right to this cart's checkout
    assert page.status_code == 200
    placed = await http.post(url, data=filled(page.text))
    assert placed.status_code == 303
    order_id = from_global_id(placed.headers["location"].split("/")[-1].split("?")[0], "Order")[1]
    [order] = await shop.state.backends.orders.orders.get_orders([order_id])
    assert order is not None and order.customer_id is not None and order.customer_id == issuer_subject(token)


def issuer_subject(token: str) -> str:
    from jose import jwt

    claims: dict[str, Any] = jwt.get_unverified_claims(token)
    return str(claims["sub"])


async def test_the_page_checks_out_once_on_each_cart_store(shop_on_each_store: Shop) -> None:
    """The same page over SQLite and over DynamoDB (moto's server): one order for a form posted twice."""
    http = shop_on_each_store.http
    [chosen] = (await shop_on_each_store.variants(minimum_stock=10))[:1]
    cart = await new_cart(http, chosen["id"], 1)
    page = await http.get(cart["checkoutUrl"])
    assert page.status_code == 200
    form = filled(page.text)

    first, second = [await http.post(cart["checkoutUrl"], data=form) for _ in range(2)]

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    status = await http.get(first.headers["location"])
    assert status.status_code == 200 and 'id="order-status">' in status.text
