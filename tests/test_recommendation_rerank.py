"""Re-ranking of search and category pages for a signed-in shopper: the page's items, in the shopper's order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bff.catalog_io.interaction_history import local_subject
from bff.ids import from_global_id
from tests.conftest import app_client, make_settings

CATEGORY = """{ category(handle: "apparel") { products(first: 12) {
    nodes { id } pageInfo { endCursor hasNextPage } } } }"""
SEARCH = """{ search(query: "classic", first: 12) { nodes { ... on Product { id } } pageInfo { endCursor } } }"""


@pytest.fixture(scope="module")
async def served(history_dir: Path) -> AsyncIterator[app_client]:
    app = app_client(make_settings(history_dir, recommendation_rerank=True, recommender_rebuild_interval_seconds=0))
    await app.__aenter__()
    yield app
    await app.__aexit__(None, None, None)


async def post(http: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None) -> Any:
    response = await http.post("/graphql", json={"query": query}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def bob(app: app_client) -> dict[str, str]:
    issuer = app.state.backends.local_issuer
    assert issuer is not None
    return {"authorization": f"Bearer {issuer.mint('bob@example.com')}"}


@pytest.mark.parametrize(("query", "field"), [(CATEGORY, "category"), (SEARCH, "search")])
async def test_a_signed_in_shoppers_page_is_re_ranked_keeping_its_items(
    served: app_client, query: str, field: str
) -> None:
    anonymous = await post(served.http, query)
    mine = await post(served.http, query, bob(served))
    page, my_page = anonymous["data"][field], mine["data"][field]
    if field == "category":
        page, my_page = page["products"], my_page["products"]
    ids, my_ids = [n["id"] for n in page["nodes"]], [n["id"] for n in my_page["nodes"]]
    assert len(ids) > 2
    assert sorted(my_ids) == sorted(ids)
    keys = [from_global_id(i)[1] for i in ids]
    expected = await served.state.backends.embedded_model.rerank(local_subject("bob@example.com"), keys)
    assert [from_global_id(i)[1] for i in my_ids] == expected
    assert my_ids != ids
    # Paging goes on after the page, whatever order it was shown in.
    assert my_page["pageInfo"]["endCursor"] == page["pageInfo"]["endCursor"]
    assert mine["extensions"]["backendCalls"]["recommender.rerank"] == 1
    assert "recommender.rerank" not in anonymous["extensions"]["backendCalls"]


async def test_re_ranking_is_off_by_default(history_dir: Path) -> None:
    app = app_client(make_settings(history_dir, recommender_rebuild_interval_seconds=0))
    async with app as http:
        anonymous = await post(http, CATEGORY)
        mine = await post(http, CATEGORY, bob(app))
    assert mine["data"] == anonymous["data"]
    assert "recommender.rerank" not in mine["extensions"]["backendCalls"]


async def test_a_failing_ranker_leaves_the_page_in_its_order_with_a_warning(history_dir: Path) -> None:
    settings = make_settings(
        history_dir,
        recommendation_rerank=True,
        recommender_rebuild_interval_seconds=0,
        recommender_delay_seconds=1.0,
        call_policy={"recommender": {"timeout_seconds": 0.02}},
    )
    app = app_client(settings)
    async with app as http:
        anonymous = await post(http, CATEGORY)
        mine = await post(http, CATEGORY, bob(app))
    assert mine["data"] == anonymous["data"]
    assert [w["capability"] for w in mine["extensions"]["warnings"]] == ["recommender"]
