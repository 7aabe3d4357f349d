"""A bad global id is refused without being repeated at length: errors never echo what a client sent in bulk."""

from __future__ import annotations

import httpx

from tests.conftest import error_codes, gql

NODE = "query($id: ID!) { node(id: $id) { id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
PRODUCT = "query($id: ID) { product(id: $id) { id } }"


async def test_a_900_kb_id_is_refused_in_a_short_answer(client: httpx.AsyncClient) -> None:
    huge = "A" * 900_000
    for document, variables in [(NODE, {"id": huge}), (NODES, {"ids": [huge]}), (PRODUCT, {"id": huge})]:
        response = await client.post("/graphql", json={"query": document, "variables": variables})

        assert error_codes(response.json()) == ["BAD_USER_INPUT"], document
        assert len(response.content) < 2_000, document
        assert "longer than 1024 characters" in response.json()["errors"][0]["message"]


async def test_a_bad_id_is_shown_cut_short(client: httpx.AsyncClient) -> None:
    long_bad = "!" * 500
    body = await gql(client, NODE, id=long_bad)
    short = await gql(client, NODE, id="nope!")

    assert body["errors"][0]["message"] == f"id: {'!' * 64!r}… (500 characters) is not a valid id"
    assert short["errors"][0]["message"] == "id: 'nope!' is not a valid id"
