"""What a request may send is bounded before it costs anything: variables its operation declares, nested and
counted within limits; and what the response cache keeps of the answers is bounded in bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from asgi_lifespan import LifespanManager

from bff.app import create_app
from bff.backends.local.memory_cache import MemoryCache
from bff.settings import Settings
from tests.conftest import error_codes, make_settings

LISTING = "query Listing($f: Int) { products(first: $f, sortKey: ID) { nodes { id handle title description } } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def get_params(query: str, variables: Any) -> dict[str, str]:
    return {"query": query, "variables": orjson.dumps(variables).decode()}


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, MemoryCache]]:
    """The app over ASGI, and the embedded cache behind its ``Cache`` port."""
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60) as manager:
        cache = app.state.bff.backends.cache.target
        assert isinstance(cache, MemoryCache)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://bff") as http:
            yield http, cache


async def test_undeclared_variables_are_refused_and_leave_the_response_cache_alone(seeded_dir: Path) -> None:
    async with serving(make_settings(seeded_dir)) as (http, cache):
        declared = await http.get("/graphql", params=get_params(LISTING, {"f": 100}))
        held = cache.bytes_held
        refused = [await http.get("/graphql", params=get_params(LISTING, {"f": 100, "junk": i})) for i in range(20)]
        after = cache.bytes_held

    assert len(declared.json()["data"]["products"]["nodes"]) == 100
    for response in refused:
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]
        assert response.json()["errors"][0]["message"] == "the operation does not declare the variables $junk"
        assert "data" not in response.json()
    assert after == held


async def test_undeclared_variables_are_refused_over_post_too(client: httpx.AsyncClient) -> None:
    names = {f"extra{i}": i for i in range(8)} | {"n" * 10_000: 1}
    body = {"query": LISTING, "variables": {"f": 1, **names}}
    response = await client.post("/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE})

    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    message = response.json()["errors"][0]["message"]
    assert (
        message == "the operation does not declare the variables $extra0, $extra1, $extra2, $extra3, $extra4 and 4 more"
    )


async def test_deeply_nested_variables_are_bad_user_input_not_a_500(client: httpx.AsyncClient) -> None:
    deep = "[" * 254 + "]" * 254
    get = await client.get("/graphql", params={"query": "{ __typename }", "variables": f'{{"x": {deep}}}'})
    body = f'{{"query": "{{ __typename }}", "variables": {{"x": {deep}}}}}'
    post = await client.post("/graphql", content=body, headers={"content-type": "application/json"})

    for response in (get, post):
        assert response.status_code == 400
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]
        assert response.json()["errors"][0]["message"] == "`variables` nest lists and objects more than 32 levels deep"


async def test_nesting_up_to_the_limit_passes_the_bound(client: httpx.AsyncClient) -> None:
    deep: Any = 1
    for _ in range(32):
        deep = [deep]
    response = await client.get("/graphql", params=get_params("{ __typename }", {"x": deep}))

    # past the nesting bound: refused only because `{ __typename }` declares no `$x`
    assert response.json()["errors"][0]["message"] == "the operation does not declare the variables $x"


async def test_too_many_values_are_bad_user_input(client: httpx.AsyncClient) -> None:
    ids = [f"id{i}" for i in range(10_001)]
    response = await client.post("/graphql", json={"query": "{ __typename }", "variables": {"ids": ids}})
    extensions = await client.post("/graphql", json={"query": "{ __typename }", "extensions": {"x": [[0]] * 6000}})

    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    assert response.json()["errors"][0]["message"] == "`variables` hold more than 10000 values in all"
    assert error_codes(extensions.json()) == ["BAD_USER_INPUT"]


async def test_the_response_cache_holds_at_most_the_memory_bound(seeded_dir: Path) -> None:
    bound = 256 * 1024
    async with serving(make_settings(seeded_dir, memory_cache_max_bytes=bound)) as (http, cache):
        sizes = []
        for first in range(1, 101):
            response = await http.get("/graphql", params=get_params(LISTING, {"f": first}))
            sizes.append(len(response.content))
            assert cache.bytes_held <= bound
        again = await http.get("/graphql", params=get_params(LISTING, {"f": 100}))

    assert sum(sizes) > 4 * bound  # what an entry-count bound alone would have kept
    assert again.json()["extensions"]["backendCalls"] == {"total": 1, "cache.get_many": 1}


async def test_a_response_over_the_entry_limit_is_answered_but_not_stored(seeded_dir: Path) -> None:
    async with serving(make_settings(seeded_dir, response_cache_max_entry_bytes=4096)) as (http, _):
        large = [await http.get("/graphql", params=get_params(LISTING, {"f": 50})) for _ in range(2)]
        small = [await http.get("/graphql", params=get_params(LISTING, {"f": 1})) for _ in range(2)]

    assert len(large[0].content) > 4096
    assert large[1].json()["data"] == large[0].json()["data"]
    assert large[1].json()["extensions"]["backendCalls"]["catalog.list_products"] == 1  # executed again
    assert small[1].json()["extensions"]["backendCalls"] == {"total": 1, "cache.get_many": 1}
