"""Persisted-query registration stores only valid documents, each within the size limit, within a byte budget.

Driven through the HTTP app with Redis as the shared cache (where a registration used to stay for 24 h), and
counted there: keys and bytes under ``apq:v1:``.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bff.backends.local.memory_cache import MemoryCache
from bff.graphql.apq import KEY_PREFIX, PersistedQueries
from bff.graphql.http import GraphQLRequest
from tests.conftest import app_client, error_codes, make_settings


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def registration(query: str) -> dict[str, Any]:
    return {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}}


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


async def stored(redis: Redis) -> tuple[int, int]:
    """How many persisted queries the shared cache holds, and their bytes."""
    keys = [key async for key in redis.scan_iter(match=KEY_PREFIX + "*")]
    sizes = [await redis.strlen(key) for key in keys]
    return len(keys), sum(sizes)


async def test_text_that_is_not_a_valid_document_is_never_stored(
    seeded_dir: Path, redis_url: str, redis: Redis
) -> None:
    junk = [f"not graphql {i} " + "x" * 30_000 for i in range(30)]  # under BFF_MAX_QUERY_BYTES: parsed
    invalid = ["{ noSuchField }", "query Q($a: Int) { __typename }", "{ products(first: 1) { nodes { nope } } }"]
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=redis_url)
    async with app_client(settings) as http:
        refused = [await http.post("/graphql", json=registration(text)) for text in junk + invalid]
        lookups = [await http.post("/graphql", json={"extensions": registration(t)["extensions"]}) for t in invalid]
        held = await stored(redis)

    assert [error_codes(r.json()) for r in refused] == [["GRAPHQL_PARSE_FAILED"]] * 30 + [
        ["GRAPHQL_VALIDATION_FAILED"]
    ] * 3
    assert [error_codes(r.json()) for r in lookups] == [["PERSISTED_QUERY_NOT_FOUND"]] * 3
    assert held == (0, 0)


async def test_a_valid_document_is_stored_once_it_validated(seeded_dir: Path, redis_url: str, redis: Redis) -> None:
    query = "query One { products(first: 1) { nodes { id } } }"
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=redis_url)
    async with app_client(settings) as http:
        registered = await http.post("/graphql", json=registration(query))
    async with app_client(settings) as http:  # another instance: finds it in the shared cache
        by_hash = await http.post("/graphql", json={"extensions": registration(query)["extensions"]})

    assert by_hash.json()["data"] == registered.json()["data"]
    assert await stored(redis) == (1, len(query))


async def test_a_document_over_the_byte_limit_runs_but_is_not_stored(
    seeded_dir: Path, redis_url: str, redis: Redis
) -> None:
    # 700 characters, 1,400 bytes of UTF-8: within the character limit the request is read with, not in bytes
    query = "# " + "é" * 680 + "\n{ __typename }"
    assert len(query) < 1000 < len(query.encode())
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=redis_url, max_query_bytes=1000)
    async with app_client(settings) as http:
        response = await http.post("/graphql", json=registration(query))

    assert response.json()["data"] == {"__typename": "Query"}
    assert await stored(redis) == (0, 0)


async def test_registrations_stop_at_the_byte_budget(seeded_dir: Path, redis_url: str, redis: Redis) -> None:
    budget = 8 * 1024
    documents = [f"# {i:04d} " + "-" * 1000 + "\n{ __typename }" for i in range(40)]
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=redis_url, apq_max_bytes=budget)
    async with app_client(settings) as http:
        answers = [await http.post("/graphql", json=registration(d)) for d in documents]
        count, size = await stored(redis)

    assert all(a.json()["data"] == {"__typename": "Query"} for a in answers)  # every one still runs
    assert count == budget // len(documents[0])
    assert size <= budget


async def test_the_budget_refills_over_the_ttl() -> None:
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock, cache = Clock(), MemoryCache()
    queries = PersistedQueries(cache, ttl_seconds=100, max_bytes=4000, clock=clock)
    documents = [f"# {i:03d} " + "-" * 990 + "\n{ __typename }" for i in range(12)]  # 1,021 bytes each

    async def register(document: str) -> bool:
        resolved = await queries.resolve(GraphQLRequest(document, extensions=registration(document)["extensions"]))
        await resolved.register()
        (found,) = await cache.get_many([KEY_PREFIX + sha(document)])
        return found is not None

    at_once = [await register(d) for d in documents[:5]]
    clock.now = 50.0  # half the ttl: half the budget back, room for two more documents
    later = [await register(d) for d in documents[5:8]]

    assert at_once == [True, True, True, False, False]
    assert later == [True, True, False]
