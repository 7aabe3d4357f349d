"""The whole-response cache: public GET queries, invalidated by catalog writes, with ETag/304."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from bff.app import create_app
from bff.domain.catalog import ProductRecord
from bff.settings import Settings
from bff.state import AppState
from tests.conftest import app_client, make_settings

HOME = "{ products(first: 3, sortKey: ID) { nodes { id title } } }"


def calls(response: httpx.Response) -> dict[str, int]:
    body: dict[str, Any] = response.json()
    counted: dict[str, int] = body["extensions"]["backendCalls"]
    return counted


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, AppState]]:
    """The app over ASGI, and its state (to write to the catalog, mint a token)."""
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:
            yield http, app.state.bff


@pytest.fixture
def data_dir(seeded_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded catalog, for tests that write to it."""
    return Path(shutil.copytree(seeded_dir, tmp_path / "data"))


async def test_second_get_is_served_from_the_cache_with_cache_headers(client: httpx.AsyncClient) -> None:
    first = await client.get("/graphql", params={"query": HOME})
    second = await client.get("/graphql", params={"query": HOME})

    assert second.json()["data"] == first.json()["data"]
    assert "catalog.list_products" not in calls(second)
    assert calls(second) == {"total": 1, "cache.get_many": 1}
    assert second.headers["cache-control"] == "public, max-age=60, s-maxage=300"
    assert second.headers["etag"] == first.headers["etag"]


async def test_if_none_match_gets_304_without_a_body(client: httpx.AsyncClient) -> None:
    first = await client.get("/graphql", params={"query": HOME})
    again = await client.get("/graphql", params={"query": HOME}, headers={"if-none-match": first.headers["etag"]})
    other = await client.get("/graphql", params={"query": HOME}, headers={"if-none-match": '"stale"'})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert other.status_code == 200


async def test_a_catalog_write_retires_cached_responses(data_dir: Path) -> None:
    async with running(make_settings(data_dir)) as (http, state):
        before = await http.get("/graphql", params={"query": HOME})
        catalog = state.backends.catalog
        first_id = before.json()["data"]["products"]["nodes"][0]["id"]
        product = (await catalog.get_products(["demo-00001"]))[0]
        variants = (await catalog.get_variants_by_product([product.id]))[0]
        renamed = dataclasses.replace(product, title="Renamed for the cache test")
        await catalog.upsert_products([ProductRecord(product=renamed, variants=tuple(variants))])
        after = await http.get("/graphql", params={"query": HOME})

    nodes = after.json()["data"]["products"]["nodes"]
    assert nodes[0]["id"] == first_id
    assert nodes[0]["title"] == "Renamed for the cache test"
    assert after.headers["etag"] != before.headers["etag"]
    assert "catalog.list_products" in calls(after)


async def test_requests_with_authorization_are_never_cached(seeded_dir: Path) -> None:
    async with running(make_settings(seeded_dir)) as (http, state):
        assert state.backends.local_issuer is not None
        token = state.backends.local_issuer.mint("alice")
        signed_in = {"authorization": f"Bearer {token}"}
        await http.get("/graphql", params={"query": HOME})
        response = await http.get("/graphql", params={"query": HOME}, headers=signed_in)

    assert response.status_code == 200
    assert "catalog.list_products" in calls(response)
    assert response.headers["cache-control"] == "no-store"  # the signed-in caller's answer: kept by no cache
    assert "etag" not in response.headers


async def test_responses_with_errors_are_never_cached(client: httpx.AsyncClient) -> None:
    failing = '{ products(first: 2) { nodes { id } } node(id: "not-an-id") { id } }'
    first = await client.get("/graphql", params={"query": failing})
    second = await client.get("/graphql", params={"query": failing})

    assert first.json()["errors"]
    assert "catalog.list_products" in calls(second)
    assert "etag" not in second.headers


async def test_posts_and_private_operations_always_execute(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        posted = await client.post("/graphql", json={"query": HOME})
    introspection = "{ __schema { queryType { name } } }"
    await client.get("/graphql", params={"query": introspection})
    private = await client.get("/graphql", params={"query": introspection})

    assert "catalog.list_products" in calls(posted)
    assert "etag" not in posted.headers
    assert "etag" not in private.headers


async def test_cache_can_be_switched_off(seeded_dir: Path) -> None:
    async with app_client(make_settings(seeded_dir, response_cache=False)) as http:
        await http.get("/graphql", params={"query": HOME})
        second = await http.get("/graphql", params={"query": HOME})
    assert "catalog.list_products" in calls(second)
    assert "etag" not in second.headers


async def test_an_unreachable_cache_is_logged_once_per_outage_not_per_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bff.backends.redis_cache import RedisCache
    from bff.graphql.response_cache import ResponseCache
    from tests.stand_ins import free_port

    cache = RedisCache.from_url(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    responses = ResponseCache(cache, ttl_seconds=60, max_age=60, s_maxage=300)
    try:
        for i in range(5):
            assert await responses.get(f"resp:v1:key-{i}") == (None, None)
            await responses.put(f"resp:v1:key-{i}", b'{"data":{}}', b"generation")
    finally:
        await cache.close()

    assert len([r for r in caplog.records if r.name == "bff.response_cache" and r.levelname == "WARNING"]) == 1
