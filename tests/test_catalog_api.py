"""The catalog through GraphQL: lookups, connections, filters, sort orders and bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.conftest import NO_COST_LIMIT, SEED_PRODUCTS, app_client, error_codes, gql, make_settings


@pytest.fixture(scope="module")
async def whole_catalog(seeded_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An app that lets one document read the whole test catalog (no cost limit)."""
    async with app_client(make_settings(seeded_dir, max_query_cost=NO_COST_LIMIT)) as http:
        yield http


PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String, $sortKey: ProductSortKeys!,
           $reverse: Boolean!, $filter: ProductFilter) {
  products(first: $first, after: $after, last: $last, before: $before, sortKey: $sortKey,
           reverse: $reverse, filter: $filter) {
    edges { cursor node { id handle title availableForSale priceRange { minVariantPrice { amount } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def walk(http: httpx.AsyncClient, sort: str, reverse: bool = False, size: int = 25) -> list[dict]:
    nodes: list[dict] = []
    after = None
    while True:
        body = await gql(http, PAGE, first=size, after=after, sortKey=sort, reverse=reverse)
        page = body["data"]["products"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_forward_pages_visit_every_product_once_in_price_order(client: httpx.AsyncClient) -> None:
    nodes = await walk(client, "PRICE")
    prices = [Decimal(n["priceRange"]["minVariantPrice"]["amount"]) for n in nodes]
    assert len({n["id"] for n in nodes}) == SEED_PRODUCTS
    assert prices == sorted(prices)


async def test_reverse_title_order_is_the_mirror_of_title_order(client: httpx.AsyncClient) -> None:
    ascending = await walk(client, "TITLE", size=40)
    descending = await walk(client, "TITLE", reverse=True, size=40)
    assert [n["id"] for n in descending] == [n["id"] for n in reversed(ascending)]
    titles = [n["title"].casefold() for n in ascending]
    assert titles == sorted(titles)


async def test_last_before_pages_backwards_to_the_same_items(client: httpx.AsyncClient) -> None:
    forward = (await gql(client, PAGE, first=30, sortKey="CREATED_AT", reverse=False))["data"]["products"]
    anchor = forward["edges"][20]["cursor"]
    back = (await gql(client, PAGE, last=5, before=anchor, sortKey="CREATED_AT", reverse=False))["data"]
    assert [e["node"]["id"] for e in back["products"]["edges"]] == [e["node"]["id"] for e in forward["edges"][15:20]]
    assert back["products"]["pageInfo"]["hasPreviousPage"] is True
    assert back["products"]["pageInfo"]["hasNextPage"] is True


async def test_product_by_handle_and_by_id_agree(client: httpx.AsyncClient) -> None:
    first = (await gql(client, PAGE, first=1, sortKey="ID", reverse=False))["data"]["products"]["edges"][0]
    query = "query($id: ID, $handle: String) { product(id: $id, handle: $handle) { id handle title } }"
    by_id = await gql(client, query, id=first["node"]["id"])
    by_handle = await gql(client, query, handle=first["node"]["handle"])
    assert by_id["data"]["product"] == by_handle["data"]["product"]
    assert by_id["data"]["product"]["title"] == first["node"]["title"]


async def test_unknown_handle_is_null_without_error(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ product(handle: "no-such-thing") { id } }')
    assert body == {"data": {"product": None}, "extensions": body["extensions"]}


async def test_malformed_or_foreign_ids_are_bad_user_input(client: httpx.AsyncClient) -> None:
    category = (await gql(client, "{ categories(first: 1) { nodes { id } } }"))["data"]["categories"]
    for bad in ["!!!", "bm90aGluZw", category["nodes"][0]["id"]]:
        body = await gql(client, "query($id: ID) { product(id: $id) { id } }", id=bad)
        assert error_codes(body) == ["BAD_USER_INPUT"], bad
        assert body["data"] == {"product": None}


async def test_page_size_over_the_cap_is_refused_with_the_cap(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ products(first: 101) { edges { cursor } } }")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["max"] == 100
    assert "100" in body["errors"][0]["message"]


async def test_forged_or_foreign_cursors_are_refused(client: httpx.AsyncClient) -> None:
    page = (await gql(client, PAGE, first=2, sortKey="PRICE", reverse=False))["data"]["products"]
    cursor = page["pageInfo"]["endCursor"]
    forged = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for bad, sort in [(forged, "PRICE"), ("not-a-cursor", "PRICE"), (cursor, "TITLE")]:
        body = await gql(client, PAGE, first=2, after=bad, sortKey=sort, reverse=False)
        assert error_codes(body) == ["BAD_USER_INPUT"], (bad, sort)


async def test_unknown_sort_key_is_bad_user_input(client: httpx.AsyncClient) -> None:
    inline = await gql(client, "{ products(first: 1, sortKey: POPULARITY) { edges { cursor } } }")
    variable = await gql(client, PAGE, first=1, sortKey="POPULARITY", reverse=False)
    assert error_codes(inline) == ["BAD_USER_INPUT"]
    assert error_codes(variable) == ["BAD_USER_INPUT"]


async def test_price_and_availability_filters_hold_for_every_result(client: httpx.AsyncClient) -> None:
    flt = {"available": True, "price": {"min": "20", "max": "120"}}
    body = await gql(client, PAGE, first=100, sortKey="PRICE", reverse=False, filter=flt)
    nodes = [e["node"] for e in body["data"]["products"]["edges"]]
    assert nodes, "the demo catalog has in-stock products between 20 and 120"
    for node in nodes:
        assert node["availableForSale"] is True
        assert Decimal("20") <= Decimal(node["priceRange"]["minVariantPrice"]["amount"]) <= Decimal("120")


async def test_inverted_price_range_is_refused(client: httpx.AsyncClient) -> None:
    flt = {"price": {"min": "100", "max": "10"}}
    body = await gql(client, PAGE, first=5, sortKey="PRICE", reverse=False, filter=flt)
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_category_products_include_subcategories_and_total_count(whole_catalog: httpx.AsyncClient) -> None:
    client = whole_catalog
    query = """{ categories(first: 100, topLevel: true) { nodes { id handle
                   children { id products(first: 100) { totalCount } }
                   products(first: 100) { totalCount nodes { category { breadcrumbs { handle } } } } } } }"""
    roots = (await gql(client, query))["data"]["categories"]["nodes"]
    assert sum(r["products"]["totalCount"] for r in roots) == SEED_PRODUCTS
    for root in roots:
        assert root["products"]["totalCount"] >= sum(c["products"]["totalCount"] for c in root["children"])
        for node in root["products"]["nodes"]:
            assert node["category"]["breadcrumbs"][0]["handle"] == root["handle"]


async def test_node_and_nodes_resolve_each_type_in_order(client: httpx.AsyncClient) -> None:
    query = "{ products(first: 2) { nodes { id variants(first: 1) { nodes { id } } category { id } } } }"
    products = (await gql(client, query))["data"]["products"]["nodes"]
    ids = [products[0]["id"], products[0]["variants"]["nodes"][0]["id"], products[1]["category"]["id"]]
    body = await gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
        ids=[*ids, "UHJvZHVjdC9ub3BlLW5vcGU"],
    )
    found = body["data"]["nodes"]
    assert [n["__typename"] for n in found[:3]] == ["Product", "ProductVariant", "Category"]
    assert [n["id"] for n in found[:3]] == ids
    assert found[3] is None


async def test_variant_prices_come_from_the_catalog_and_bound_the_price_range(whole_catalog: httpx.AsyncClient) -> None:
    client = whole_catalog
    query = """{ products(first: 20) { nodes { priceRange { minVariantPrice { amount currencyCode }
                  maxVariantPrice { amount } } variants(first: 100) { totalCount
                  nodes { price { amount currencyCode } selectedOptions { name value } } } } } }"""
    for product in (await gql(client, query))["data"]["products"]["nodes"]:
        prices = [Decimal(v["price"]["amount"]) for v in product["variants"]["nodes"]]
        assert len(prices) == product["variants"]["totalCount"]
        assert min(prices) == Decimal(product["priceRange"]["minVariantPrice"]["amount"])
        assert max(prices) == Decimal(product["priceRange"]["maxVariantPrice"]["amount"])
        amount = product["priceRange"]["minVariantPrice"]["amount"]
        assert isinstance(amount, str) and Decimal(amount).as_tuple().exponent == -2


async def test_variant_pages_and_lookup_by_selected_options(whole_catalog: httpx.AsyncClient) -> None:
    client = whole_catalog
    query = """{ products(first: 30) { nodes { handle variants(first: 100) { nodes { id
                  selectedOptions { name value } } } } } }"""
    products = (await gql(client, query))["data"]["products"]["nodes"]
    product = max(products, key=lambda p: len(p["variants"]["nodes"]))
    variants = product["variants"]["nodes"]
    assert len(variants) >= 2
    page1 = await gql(
        client,
        "query($h: String) { product(handle: $h) { variants(first: 1) { pageInfo { endCursor } } } }",
        h=product["handle"],
    )
    cursor = page1["data"]["product"]["variants"]["pageInfo"]["endCursor"]
    page2 = await gql(
        client,
        "query($h: String, $c: String) { product(handle: $h) { variants(first: 1, after: $c) { nodes { id } } } }",
        h=product["handle"],
        c=cursor,
    )
    assert page2["data"]["product"]["variants"]["nodes"][0]["id"] == variants[1]["id"]
    wanted = variants[-1]
    lookup = await gql(
        client,
        "query($h: String, $o: [SelectedOptionInput!]!) { product(handle: $h) { variantBySelectedOptions("
        "selectedOptions: $o) { id } } }",
        h=product["handle"],
        o=wanted["selectedOptions"],
    )
    assert lookup["data"]["product"]["variantBySelectedOptions"]["id"] == wanted["id"]


async def test_a_malformed_id_in_nodes_nulls_only_its_position(client: httpx.AsyncClient) -> None:
    products = (await gql(client, "{ products(first: 2) { nodes { id } } }"))["data"]["products"]["nodes"]
    ids = [products[0]["id"], "not-a-global-id", products[1]["id"], "UHJvZHVjdA"]

    body = await gql(
        client,
        'query($ids: [ID!]!) { nodes(ids: $ids) { id } product(handle: "no-such-product") { id } __typename }',
        ids=ids,
    )

    assert body["data"] is not None, body
    assert body["data"]["__typename"] == "Query"
    assert body["data"]["nodes"] == [{"id": ids[0]}, None, {"id": ids[2]}, None]
    errors = sorted(body["errors"], key=lambda e: e["path"])
    assert [e["path"] for e in errors] == [["nodes", 1], ["nodes", 3]]
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
