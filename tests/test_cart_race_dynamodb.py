"""Carts on DynamoDB with racing writers: two app instances on one table (each with its own in-process cart
turns, as two BFF instances have), so only the conditional write on the cart's version keeps edits apart.

moto's threaded server does not check a condition and write atomically against another request; DynamoDB does.
These tests run on moto served one request at a time (``serial_aws``), which keeps that property.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.catalog_io import generate_catalog
from tests.cart_fixtures import ADD, CREATE, READ, UPDATE, VARIANTS, send
from tests.conftest import app_client, make_settings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def instances(
    serial_aws: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two apps on one DynamoDB table (moto served one request at a time)."""
    table = f"cart-race-{uuid.uuid4().hex[:8]}"
    categories, records = generate_catalog(products=40, seed=11)
    store = await DynamoCatalogStore.open(table, "us-east-1", serial_aws)
    await create_table(store.requests)
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.close()
    policy = {"timeout_seconds": 120}
    overrides: dict[str, Any] = {
        "catalog_backend": "dynamodb",
        "aws_endpoint_url": serial_aws,
        "dynamodb_table": table,
        "call_policy": {"catalog": policy, "carts": policy, "discounts": policy},
        "max_query_cost": 10**9,
        "response_cache": False,
    }
    first = app_client(make_settings(tmp_path_factory.mktemp("race-a"), **overrides))
    second = app_client(make_settings(tmp_path_factory.mktemp("race-b"), **overrides))
    async with first as a, second as b:
        assert first.state.backends.cart_locks is not second.state.backends.cart_locks
        yield [a, b]


async def new_cart(http: httpx.AsyncClient, lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    payload = (await send(http, CREATE, input={"lines": lines or []}))["data"]["cartCreate"]
    assert payload["userErrors"] == [], payload
    cart: dict[str, Any] = payload["cart"]
    return cart


async def variants(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    body = await send(http, VARIANTS)
    found = [v for p in body["data"]["products"]["nodes"] for v in p["variants"]["nodes"]]
    return [v for v in found if v["quantityAvailable"] >= 1]


async def test_fifty_concurrent_adds_from_two_instances_keep_fifty_lines(instances: list[httpx.AsyncClient]) -> None:
    chosen = (await variants(instances[0]))[:50]
    assert len(chosen) == 50
    cart = await new_cart(instances[0])
    results = await asyncio.gather(
        *(
            send(instances[i % 2], ADD, cartId=cart["id"], lines=[{"merchandiseId": v["id"]}])
            for i, v in enumerate(chosen)
        )
    )
    assert all(r["data"]["cartLinesAdd"]["userErrors"] == [] for r in results), results
    read = (await send(instances[1], READ, id=cart["id"]))["data"]["cart"]
    assert sorted(ln["merchandise"]["id"] for ln in read["lines"]["nodes"]) == sorted(v["id"] for v in chosen)
    assert all(ln["quantity"] == 1 for ln in read["lines"]["nodes"])


async def test_concurrent_updates_of_one_line_from_two_instances_end_at_a_written_value(
    instances: list[httpx.AsyncClient],
) -> None:
    variant = next(v for v in await variants(instances[0]) if v["quantityAvailable"] >= 20)
    cart = await new_cart(instances[0], [{"merchandiseId": variant["id"], "quantity": 1}])
    line = cart["lines"]["nodes"][0]["id"]
    written = list(range(2, 12))
    results = await asyncio.gather(
        *(send(instances[q % 2], UPDATE, cartId=cart["id"], lines=[{"id": line, "quantity": q}]) for q in written)
    )
    assert all(r["data"]["cartLinesUpdate"]["userErrors"] == [] for r in results), results
    final = (await send(instances[1], READ, id=cart["id"]))["data"]["cart"]["lines"]["nodes"]
    assert len(final) == 1 and final[0]["quantity"] in written
