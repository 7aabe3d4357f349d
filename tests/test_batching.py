"""N+1 checks: a request's backend calls do not grow with the number of items it returns."""

from __future__ import annotations

import httpx

from tests.conftest import gql

HOME = """
query Home($first: Int!) {
  products(first: $first) {
    edges { node {
      id title handle featuredImage { url } priceRange { minVariantPrice { amount currencyCode } }
      variants(first: 2) { edges { node { id price { amount currencyCode } availableForSale } } }
      category { id title parent { title } breadcrumbs { handle } }
    } }
  }
}
"""


async def calls_for(http: httpx.AsyncClient, first: int) -> dict[str, int]:
    body = await gql(http, HOME, first=first)
    assert "errors" not in body, body
    assert len(body["data"]["products"]["edges"]) == first
    return body["extensions"]["backendCalls"]


async def test_store_calls_for_50_products_equal_those_for_5(client: httpx.AsyncClient) -> None:
    few = await calls_for(client, 5)
    many = await calls_for(client, 50)
    assert many == few
    assert few["total"] <= 5


async def test_total_count_costs_a_call_only_when_selected(client: httpx.AsyncClient) -> None:
    without = (await gql(client, "{ products(first: 3) { edges { cursor } } }"))["extensions"]["backendCalls"]
    with_count = (await gql(client, "{ products(first: 3) { totalCount } }"))["extensions"]["backendCalls"]
    assert "catalog.count_products" not in without
    assert with_count["catalog.count_products"] == 1


async def test_nodes_batch_per_type(client: httpx.AsyncClient) -> None:
    ids = [
        n["id"] for n in (await gql(client, "{ products(first: 40) { nodes { id } } }"))["data"]["products"]["nodes"]
    ]
    body = await gql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=ids)
    assert body["extensions"]["backendCalls"] == {"total": 1, "catalog.get_products": 1}
