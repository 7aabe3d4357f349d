"""Calculated query cost: Shopify's rules, evaluated with the request's variables, refused over the maximum."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import strawberry

from bench.scenarios import load
from bff.field_cost import cost
from bff.graphiql import EXAMPLES
from bff.graphql.cost import DEFAULT_LIST_SIZE
from bff.graphql.documents import DocumentCache
from bff.settings import Settings
from resolvers.schema import schema
from tests.conftest import error_codes, gql

STOREFRONT = [(f"graphiql: {title}", query) for title, query, _ in EXAMPLES] + [
    (f"bench: {s.name}", s.document) for s in load()
]
VARIABLES = {s.document: s.variables for s in load()}


def requested(query: str, variables: dict[str, Any] | None = None, documents: DocumentCache | None = None) -> int:
    documents = DocumentCache(schema._schema) if documents is None else documents
    compiled = documents.get(query)
    assert compiled.errors == [], compiled.errors
    return documents.cost(compiled, None, variables).requested


def test_shopify_rules() -> None:
    # Shopify's published example: a connection is 2 + first x (one node: an object, 1; scalars 0).
    assert requested("{ products(first: 10) { edges { node { title } } } }") == 2 + 10 * 1
    # Nested connections multiply; a pageInfo object counts once; totalCount (a scalar) is free.
    nested = (
        "{ products(first: 10) { totalCount pageInfo { hasNextPage } "
        "nodes { category { products(first: 5) { nodes { id } } } } } }"
    )
    assert requested(nested) == 2 + 1 + 10 * (1 + 1 + 2 + 5 * 1)
    # No page size: the default page size; `last` counts like `first`.
    assert requested("{ products { nodes { id } } }") == 2 + Settings().default_page_size
    assert requested("{ products(last: 3) { nodes { id } } }") == 2 + 3
    # A list of objects with no declared bound counts DEFAULT_LIST_SIZE items; a scalar list is free.
    assert requested('{ product(handle: "x") { tags options { name } } }') == 1 + DEFAULT_LIST_SIZE
    # A list sized by the ids it is given.
    assert requested('{ nodes(ids: ["a", "b", "c"]) { id } }') == 3


def test_variables_size_the_cost_and_are_remembered_per_value() -> None:
    documents = DocumentCache(schema._schema)
    query = "query($n: Int = 4) { products(first: $n) { nodes { id } } }"
    assert requested(query, {"n": 50}, documents) == 52
    assert requested(query, {}, documents) == 6  # the variable's default
    compiled = documents.get(query)
    assert compiled.sizing_variables == ("n",)
    assert len(compiled.costs) == 2


def test_a_mutation_costs_ten_plus_its_selection() -> None:
    mutation = 'mutation { productUpdate(input: {id: "x"}) { product { id } userErrors { code } } }'
    assert requested(mutation) == 10 + 1 + 1 + DEFAULT_LIST_SIZE


@strawberry.type(description="A thing.")
class Thing:
    name: str = strawberry.field(description="Name.")


@strawberry.type(description="Root.")
class DeclaringQuery:
    @strawberry.field(description="Expensive.", metadata=cost(weight=7))
    def expensive(self) -> Thing:
        return Thing(name="x")

    @strawberry.field(description="Up to three.", metadata=cost(assumed_size=3))
    def few(self) -> list[Thing]:
        return []

    @strawberry.field(description="Sized by `top`.", metadata=cost(size_arguments=("top",)))
    def ranked(self, top: int = 8) -> list[Thing]:
        return []


def test_a_field_declares_its_own_cost_in_its_metadata() -> None:
    documents = DocumentCache(strawberry.Schema(query=DeclaringQuery)._schema)
    assert requested("{ expensive { name } }", documents=documents) == 7
    assert requested("{ few { name } }", documents=documents) == 3
    assert requested("{ ranked { name } }", documents=documents) == 8  # the argument's default
    assert requested("{ ranked(top: 2) { name } }", documents=documents) == 2


@pytest.mark.parametrize(("name", "query"), STOREFRONT)
def test_every_storefront_document_passes_with_room(name: str, query: str) -> None:
    maximum = Settings().max_query_cost
    assert requested(query, VARIABLES.get(query)) <= maximum * 0.6, name


async def test_every_response_reports_its_cost(client: httpx.AsyncClient) -> None:
    query = "{ products(first: 3) { nodes { id } } }"
    posted = await gql(client, query)
    fetched = await client.get("/graphql", params={"query": query})
    cached = await client.get("/graphql", params={"query": query})
    expected = {"requestedQueryCost": 5, "actualQueryCost": 5, "maxCost": Settings().max_query_cost}
    assert posted["extensions"]["cost"] == expected
    assert fetched.json()["extensions"]["cost"] == cached.json()["extensions"]["cost"] == expected


async def test_over_the_maximum_is_refused_before_anything_runs(client: httpx.AsyncClient) -> None:
    query = "query($n: Int) { products(first: $n) { nodes { category { products(first: 100) { nodes { id } } } } } }"
    body = await gql(client, query, n=100)
    assert error_codes(body) == ["MAX_COST_EXCEEDED"]
    assert "data" not in body and "backendCalls" not in body["extensions"]  # no resolver ran
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2 + 100 * (1 + 1 + 2 + 100)
    assert body["extensions"]["cost"]["actualQueryCost"] == 0
    cheap = await gql(client, query, n=2)  # the same document with fewer items is fine
    assert "errors" not in cheap


async def test_aliases_of_a_big_page_are_refused(client: httpx.AsyncClient) -> None:
    query = "{" + " ".join(f"a{i}: products(first: 100) {{ nodes {{ id }} }}" for i in range(99)) + "}"
    body = await gql(client, query)
    assert error_codes(body) == ["MAX_COST_EXCEEDED"]
    assert body["errors"][0]["extensions"]["cost"] == 99 * (2 + 100)
