"""The degradation contract proven on the cache: a real redis-server frozen (SIGSTOP) or refusing keys mid-test.

The cache is optional: the catalog answers, the response carries ``{code: DEGRADED, capability: "cache"}`` in
``extensions.warnings``, the breaker keeps a frozen Redis from costing a timeout per request, and a degraded
response is never stored in the whole-response cache.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from tests.conftest import app_client, gql, make_settings
from tests.stand_ins import RedisProcess
from tests.test_batching import HOME

DEGRADED_CACHE = {"code": "DEGRADED", "capability": "cache"}


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


def failures(reason: str) -> float:
    labels = {"capability": "cache", "operation": "get_many", "reason": reason}
    return REGISTRY.get_sample_value("bff_port_call_failures_total", labels) or 0.0


def warnings_of(body: dict[str, Any]) -> list[dict[str, str]]:
    return [{k: w[k] for k in ("code", "capability")} for w in body.get("extensions", {}).get("warnings", [])]


async def test_a_frozen_redis_degrades_to_the_catalog_with_a_warning(
    seeded_dir: Path, redis_server: RedisProcess
) -> None:
    policy = {"cache": {"timeout_seconds": 0.3, "breaker_failures": 2, "breaker_reset_seconds": 60}}
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=redis_server.url, call_policy=policy)
    assert redis_server.process is not None
    async with app_client(settings) as http:
        warm = await gql(http, HOME, first=10)
        os.kill(redis_server.process.pid, signal.SIGSTOP)
        try:
            timeouts = failures("timeout")
            first = await gql(http, HOME, first=10)
            timed_out = failures("timeout") - timeouts
            refused = failures("circuit_open")
            later = [await gql(http, HOME, first=10) for _ in range(3)]
        finally:
            os.kill(redis_server.process.pid, signal.SIGCONT)

    assert warnings_of(warm) == []
    for body in (first, *later):
        assert "errors" not in body, body
        assert body["data"] == warm["data"]
        assert warnings_of(body) == [DEGRADED_CACHE]
    assert first["extensions"]["warnings"][0]["message"] == "cache did not answer in time; a fallback was served"
    # The frozen server cost the first request its timeouts; the open breaker spares every later one.
    assert timed_out >= 1
    assert failures("timeout") - timeouts == timed_out
    assert failures("circuit_open") - refused >= 3


async def test_a_stopped_redis_degrades_to_the_catalog_with_a_warning(
    seeded_dir: Path, redis_server: RedisProcess
) -> None:
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=redis_server.url)
    async with app_client(settings) as http:
        warm = await gql(http, HOME, first=10)
        redis_server.stop()
        during = await gql(http, HOME, first=10)

    assert "errors" not in during and during["data"] == warm["data"]
    assert warnings_of(during) == [DEGRADED_CACHE]
    assert during["extensions"]["warnings"][0]["message"] == "cache is unavailable; a fallback was served"


async def test_a_degraded_response_is_not_stored_in_the_response_cache(
    seeded_dir: Path, redis_server: RedisProcess
) -> None:
    # A user that may touch the response cache's keys and nothing else: catalog reads through the cache
    # fail (NOPERM) while whole responses could still be stored.
    admin = Redis.from_url(redis_server.url)
    await admin.execute_command("ACL", "SETUSER", "bff", "on", ">s3cret", "~resp:*", "+@all")
    url = redis_server.url.replace("redis://", "redis://bff:s3cret@")
    policy = {"cache": {"breaker_failures": 0}}
    settings = make_settings(seeded_dir, cache_backend="redis", redis_url=url, call_policy=policy)
    # Categories are loaded by id, through the cache.
    query = "{ products(first: 3) { nodes { id title category { title } } } }"
    try:
        async with app_client(settings) as http:
            first = await http.get("/graphql", params={"query": query})
            second = await http.get("/graphql", params={"query": query})
        stored = [k for k in await admin.keys("resp:*") if not k.endswith(b":generation")]
    finally:
        await admin.aclose()

    assert first.status_code == second.status_code == 200
    assert warnings_of(first.json()) == warnings_of(second.json()) == [DEGRADED_CACHE]
    assert "etag" not in first.headers and stored == []
    # Not served from the response cache: the second answer was computed again, from the catalog.
    assert second.json()["extensions"]["backendCalls"]["catalog.list_products"] == 1
