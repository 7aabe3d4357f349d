"""The cost of a product's own lists: `variants` and `images` come with the product's read, so their page
counts one item as long as their items reach no further sized list; a cycle back to another page of lists
(`variants { product { images(first: 20) } }`) counts its full page size and is refused as before."""

from __future__ import annotations

import httpx

from bff.graphql.cost import DEFAULT_LIST_SIZE, FLAT_ITEM_COST
from bff.graphql.documents import DocumentCache
from bff.settings import Settings
from resolvers.schema import schema
from tests.conftest import error_codes, gql

CYCLE = """{ products(first: 10) { nodes { variants(first: 250) { nodes {
  product { images(first: 20) { nodes { url } } } } } } } }"""


def requested(query: str) -> int:
    documents = DocumentCache(schema._schema)
    compiled = documents.get(query)
    assert compiled.errors == [], compiled.errors
    return documents.cost(compiled, None, {}).requested


def test_a_products_own_lists_count_one_item_whatever_their_page_size() -> None:
    flat = "{ products(first: 100) { nodes { variants(first: %d) { nodes { id price { amount } } } } } }"
    # products: 2 + 100 x (product 1 + variants: 2 + one variant (1 + its price 1))
    assert requested(flat % 250) == requested(flat % 1) == 2 + 100 * (1 + 2 + 2)
    images = "{ products(first: 100) { nodes { images(first: 20) { edges { node { url } } } } } }"
    assert requested(images) == 2 + 100 * (1 + 2 + 1)


def test_a_list_reached_through_a_products_own_list_counts_every_item() -> None:
    # images (flat): 2 + 1; product 1; one variant 1: each of the 250 variants counts.
    assert requested(CYCLE) == 2 + 10 * (1 + 2 + 250 * (1 + 1 + 3))
    spread = """{ products(first: 10) { nodes { variants(first: 250) { nodes { ...V } } } }
      product(handle: "x") { variants(first: 250) { nodes { ...V } } } }
      fragment V on ProductVariant { product { images(first: 20) { nodes { url } } } }"""
    # The fragment reaches a list wherever it is spread (its cost is remembered, and so is that).
    assert requested(spread) == 2 + 10 * (1 + 2 + 250 * 5) + 1 + 2 + 250 * 5


def test_an_item_that_fans_out_through_unbounded_lists_counts_every_item() -> None:
    # One variant reaching its product's options and their values' variants: lists of lists, no size argument.
    fan = """{ product(handle: "x") { variants(first: 250) { nodes {
      product { options { optionValues { firstSelectableVariant { id } } } } } } } }"""
    one_variant = 1 + 1 + DEFAULT_LIST_SIZE * (1 + DEFAULT_LIST_SIZE * (1 + 1))
    assert one_variant > FLAT_ITEM_COST
    assert requested(fan) == 1 + 2 + 250 * one_variant


def test_other_connections_keep_shopifys_rule() -> None:
    query = '{ category(handle: "x") { products(first: 50) { nodes { id } } } }'
    assert requested(query) == 1 + 2 + 50


async def test_the_cycle_is_refused_before_anything_runs(client: httpx.AsyncClient) -> None:
    body = await gql(client, CYCLE)
    assert error_codes(body) == ["MAX_COST_EXCEEDED"]
    assert body["extensions"]["cost"]["requestedQueryCost"] > Settings().max_query_cost
