"""Orders through GraphQL on the embedded backends: reading (owner or admin only), history, cancelling."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bff.backends.local.issuer import LOCAL_ISSUER
from bff.backends.local.sqlite_orders import SqliteOrderStore
from bff.backends.ports import unwrap
from bff.domain.order_workflow import START, first_run_data
from bff.domain.orders import Order
from bff.ids import to_global_id
from bff.services.order_runtime import order_steps
from bff.services.order_worker import OrderWorker
from tests.conftest import app_client, make_settings
from tests.order_fixtures import ABROAD, HOME, make_order

ORDER = """query ($id: ID!) { order(id: $id) { id status total { amount currencyCode }
  lines { title quantity unitPrice { amount } total { amount } variantId }
  history { status at reason } notifications { status message } shippingAddress { city countryCode } } }"""
CANCEL = """mutation ($id: ID!) { orderCancel(id: $id) {
  order { status history { status reason } } userErrors { field code message } } }"""
MY_ORDERS = """query ($first: Int, $after: String) { customer { orders(first: $first, after: $after) {
  nodes { id } pageInfo { hasNextPage endCursor } } } }"""


@dataclass
class Shop:
    http: httpx.AsyncClient
    app: app_client

    def token(self, username: str, *groups: str) -> dict[str, str]:
        issuer = self.app.state.backends.local_issuer
        assert issuer is not None
        return {"authorization": f"Bearer {issuer.mint(username, groups=groups)}"}

    def subject(self, username: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL_ISSUER}/{username}"))

    async def place(self, order: Order) -> str:
        store = unwrap(self.app.state.backends.orders.orders)
        assert isinstance(store, SqliteOrderStore)
        await store.insert_order(order, first_run_data(order.id), START)
        return to_global_id("Order", order.id)

    async def gql(self, query: str, headers: dict[str, str] | None = None, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    # The workflow stays still in these tests: orders are read as placed.
    app = app_client(make_settings(tmp_path, order_worker_in_app=False))
    async with app as http:
        yield Shop(http, app)


async def test_the_owner_reads_their_order_with_lines_prices_and_history(shop: Shop) -> None:
    alice = shop.subject("alice")
    order_id = await shop.place(make_order(customer_id=alice))

    body = await shop.gql(ORDER, shop.token("alice"), id=order_id)

    order = body["data"]["order"]
    assert order["id"] == order_id and order["status"] == "PENDING"
    assert order["total"] == {"amount": "20.00", "currencyCode": "USD"}
    assert order["lines"][0]["quantity"] == 2 and order["lines"][0]["unitPrice"]["amount"] == "10.00"
    assert [h["status"] for h in order["history"]] == ["PENDING"]
    assert [n["status"] for n in order["notifications"]] == ["PENDING"]
    assert order["shippingAddress"] == {"city": "London", "countryCode": "GB"}


async def test_another_customers_order_is_null_and_an_admin_reads_it(shop: Shop) -> None:
    order_id = await shop.place(make_order(customer_id=shop.subject("alice")))

    mallory = await shop.gql(ORDER, shop.token("mallory"), id=order_id)
    anonymous = await shop.gql(ORDER, id=order_id)
    staff = await shop.gql(ORDER, shop.token("ops", "admin"), id=order_id)

    assert mallory["data"]["order"] is None and "errors" not in mallory
    assert anonymous["data"]["order"] is None
    assert staff["data"]["order"]["id"] == order_id


async def test_a_customers_orders_come_newest_first_page_by_page(shop: Shop) -> None:
    alice = shop.subject("alice")
    placed = [await shop.place(make_order(customer_id=alice)) for _ in range(5)]
    await shop.place(make_order(customer_id=shop.subject("bob")))

    first = (await shop.gql(MY_ORDERS, shop.token("alice"), first=3))["data"]["customer"]["orders"]
    after = first["pageInfo"]["endCursor"]
    second = (await shop.gql(MY_ORDERS, shop.token("alice"), first=3, after=after))["data"]["customer"]["orders"]

    assert [n["id"] for n in first["nodes"] + second["nodes"]] == placed[::-1]
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]


async def test_cancelling_a_pending_order_records_why(shop: Shop) -> None:
    order_id = await shop.place(make_order(customer_id=shop.subject("alice")))

    body = await shop.gql(CANCEL, shop.token("alice"), id=order_id)

    payload = body["data"]["orderCancel"]
    assert payload["userErrors"] == []
    assert payload["order"]["status"] == "CANCELLED"
    assert payload["order"]["history"][-1] == {"status": "CANCELLED", "reason": "cancelled by the customer"}


async def test_a_cancelled_order_cannot_be_cancelled_again_nor_another_customers(shop: Shop) -> None:
    order_id = await shop.place(make_order(customer_id=shop.subject("alice")))
    await shop.gql(CANCEL, shop.token("alice"), id=order_id)

    again = (await shop.gql(CANCEL, shop.token("alice"), id=order_id))["data"]["orderCancel"]
    foreign = (await shop.gql(CANCEL, shop.token("mallory"), id=order_id))["data"]["orderCancel"]
    malformed = (await shop.gql(CANCEL, shop.token("alice"), id="nope"))["data"]["orderCancel"]

    assert [e["code"] for e in again["userErrors"]] == ["ORDER_NOT_CANCELLABLE"]
    assert [e["code"] for e in foreign["userErrors"]] == ["ORDER_NOT_FOUND"]
    assert [e["code"] for e in malformed["userErrors"]] == ["INVALID_ID"]


REVIEW = """mutation ($id: ID!, $approve: Boolean!) { orderReview(id: $id, approve: $approve) {
  order { status } userErrors { code } } }"""


async def _run_workflow(shop: Shop) -> None:
    backends = shop.app.state.backends.orders
    assert backends.runs is not None
    await OrderWorker(backends.runs, order_steps(backends).by_name(), retry_scale=0.001).drain()


async def test_a_reviewer_approves_an_order_held_for_review_and_it_is_paid(shop: Shop) -> None:
    order_id = await shop.place(make_order(customer_id=shop.subject("alice"), billing=ABROAD, shipping=HOME))
    await _run_workflow(shop)
    held = (await shop.gql(ORDER, shop.token("alice"), id=order_id))["data"]["order"]

    refused = await shop.gql(REVIEW, shop.token("alice"), id=order_id, approve=True)
    reviewed = (await shop.gql(REVIEW, shop.token("ops", "admin"), id=order_id, approve=True))["data"]["orderReview"]
    await _run_workflow(shop)
    done = (await shop.gql(ORDER, shop.token("alice"), id=order_id))["data"]["order"]
    again = (await shop.gql(REVIEW, shop.token("ops", "admin"), id=order_id, approve=False))["data"]["orderReview"]

    assert held["status"] == "ON_HOLD"
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert reviewed == {"order": {"status": "ON_HOLD"}, "userErrors": []}
    assert [h["status"] for h in done["history"]] == ["PENDING", "ON_HOLD", "PAID", "FULFILLED"]
    assert again["userErrors"] == [{"code": "ORDER_NOT_ON_HOLD"}]


async def test_an_order_is_a_node_for_its_owner_only(shop: Shop) -> None:
    order_id = await shop.place(make_order(customer_id=shop.subject("alice")))
    query = "query ($id: ID!) { node(id: $id) { id ... on Order { status } } }"

    mine = await shop.gql(query, shop.token("alice"), id=order_id)
    theirs = await shop.gql(query, shop.token("mallory"), id=order_id)

    assert mine["data"]["node"] == {"id": order_id, "status": "PENDING"}
    assert theirs["data"]["node"] is None
