"""``@stream`` on list fields: recommendation items and search hits, the first items at once, the rest after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import make_settings, seed_catalog
from tests.defer_client import MULTIPART_ACCEPT, merge_parts, multipart_payloads, patient_app


@pytest.fixture(scope="module")
async def http(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    # A store of its own: tests that shop in the shared one (carts record interactions) change what is popular.
    data_dir = await seed_catalog(tmp_path_factory.mktemp("stream"))
    async with patient_app(make_settings(data_dir)) as client:
        yield client


async def streamed(http: httpx.AsyncClient, query: str) -> list[dict[str, Any]]:
    response = await http.post("/graphql", json={"query": query}, headers={"accept": MULTIPART_ACCEPT})
    assert response.status_code == 200
    return multipart_payloads(response.content)


async def whole(http: httpx.AsyncClient, query: str) -> dict[str, Any]:
    body: dict[str, Any] = (await http.post("/graphql", json={"query": query})).json()
    assert "errors" not in body, body
    return body


RECOMMENDED = """{ recommendations(intent: POPULAR, first: 6) {
  source items @stream(initialCount: 2, label: "more") { id title } } }"""
SEARCHED = """{ search(query: "shirt", first: 5) { totalCount nodes @stream(initialCount: 1) { id title } } }"""


async def test_recommendation_items_stream_after_the_first_two(http: httpx.AsyncClient) -> None:
    parts = await streamed(http, RECOMMENDED)
    plain = await whole(http, RECOMMENDED.replace(' @stream(initialCount: 2, label: "more")', ""))
    assert parts[0]["hasNext"] is True and parts[-1]["hasNext"] is False
    assert len(parts[0]["data"]["recommendations"]["items"]) == 2
    entries = [e for p in parts[1:] for e in p.get("incremental", [])]
    assert entries[0]["path"] == ["recommendations", "items", 2]
    assert {e["label"] for e in entries} == {"more"}
    assert merge_parts(parts) == plain["data"]
    assert len(plain["data"]["recommendations"]["items"]) == 6


async def test_search_hits_stream_and_merge_to_the_whole_page(http: httpx.AsyncClient) -> None:
    parts = await streamed(http, SEARCHED)
    plain = await whole(http, SEARCHED.replace(" @stream(initialCount: 1)", ""))
    assert len(parts[0]["data"]["search"]["nodes"]) == 1
    assert parts[0]["data"]["search"]["totalCount"] == plain["data"]["search"]["totalCount"] > 1
    assert merge_parts(parts) == plain["data"]
    # One search and one product batch, however the hits are delivered.
    assert parts[-1]["extensions"]["backendCalls"]["total"] == plain["extensions"]["backendCalls"]["total"]


async def test_a_stream_switched_off_is_one_part(http: httpx.AsyncClient) -> None:
    query = SEARCHED.replace("@stream(initialCount: 1)", "@stream(initialCount: 1, if: false)")
    [only] = await streamed(http, query)
    assert only["hasNext"] is False
    assert only["data"] == (await whole(http, query))["data"]


async def test_a_client_that_does_not_stream_gets_the_whole_list(http: httpx.AsyncClient) -> None:
    body = await whole(http, RECOMMENDED)
    assert len(body["data"]["recommendations"]["items"]) == 6
    assert "hasNext" not in body


async def test_deferred_fragments_in_list_items_carry_their_paths(http: httpx.AsyncClient) -> None:
    query = """{ products(first: 3) { nodes { id
      ... @defer(label: "variants") { variants(first: 2) { nodes { id } } } } } }"""
    parts = await streamed(http, query)
    plain = await whole(http, query.replace(' @defer(label: "variants")', ""))
    paths = sorted(tuple(e["path"]) for p in parts[1:] for e in p.get("incremental", []))
    assert paths == [("products", "nodes", 0), ("products", "nodes", 1), ("products", "nodes", 2)]
    assert merge_parts(parts) == plain["data"]
    # The three products' variants in one batch, as without @defer.
    assert parts[-1]["extensions"]["backendCalls"] == plain["extensions"]["backendCalls"]
