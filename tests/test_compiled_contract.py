"""The compiled plans' contract: a query executes once, errors come from the plan, plans keep serving.

A plan that gave up used to leave its coroutines un-awaited and re-run the whole query on graphql-core: every
backend call was made twice while ``extensions.backendCalls`` counted only the second run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.scenarios import home, product_page
from bff import metrics
from bff.graphql.compiled_run import stats
from tests.conftest import NO_COST_LIMIT, app_client, error_codes, make_settings

ROOT = Path(__file__).parent.parent
# The documents below read whole listings (categories of 20, default pages): what matters here is execution.
ROOMY = {"max_query_cost": NO_COST_LIMIT}
# The smallest document differential fuzzing found that made a plan give up (a BAD_USER_INPUT in a nested
# connection while other fields' loads were pending).
FAILING = (
    '{ categories { nodes { parent { products(filter: { available: false, price: { min: "-1" } }) '
    "{ pageInfo { endCursor } } } children { breadcrumbs { productFilters { id } } } } } }"
)


@pytest.fixture(scope="module")
async def pair(seeded_dir: Path) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        app_client(make_settings(seeded_dir, compiled_execution=True, response_cache=False, **ROOMY)) as compiled,
        app_client(make_settings(seeded_dir, compiled_execution=False, response_cache=False, **ROOMY)) as reference,
    ):
        yield compiled, reference


async def post(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    return body


def _request_calls() -> int:
    """Backend calls made in total, but the catalog watch's (its generation check and its replay of recorded
    listener work): process-level, reported by no request."""
    return (
        metrics.total_calls.total() - metrics.total_calls["catalog.generation"] - metrics.total_calls["catalog.pending"]
    )


async def test_a_plan_meeting_errors_makes_each_backend_call_once(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    compiled, reference = pair
    before_stats, before_calls = stats.copy(), _request_calls()
    body = await post(compiled, FAILING)
    made = _request_calls() - before_calls
    expected = await post(reference, FAILING)

    assert "BAD_USER_INPUT" in error_codes(body)
    assert body["data"] == expected["data"] and body["errors"] == expected["errors"]
    assert stats["compiled"] == before_stats["compiled"] + 1  # the plan answered...
    assert stats["graphql-core"] == before_stats["graphql-core"]  # ...and graphql-core did not run it again
    assert made == body["extensions"]["backendCalls"]["total"]  # every call made is reported
    assert made == expected["extensions"]["backendCalls"]["total"]  # as many as graphql-core makes


async def test_the_home_and_product_page_documents_are_served_by_plans(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    """Fails when an upgrade of strawberry or graphql-core silently turns plans (or their source) off."""
    compiled, _ = pair
    first = await post(compiled, "{ products(first: 1) { nodes { handle } } }")
    handle = first["data"]["products"]["nodes"][0]["handle"]
    for scenario, variables in ((home.scenario, home.scenario.variables), (product_page.scenario, {"handle": handle})):
        before = stats.copy()
        body = await post(compiled, scenario.document, variables)
        assert "errors" not in body and scenario.expect(body["data"]) == "", (scenario.name, body)
        assert stats["compiled"] == before["compiled"] + 1, scenario.name
        assert stats["graphql-core"] == before["graphql-core"], scenario.name
        assert stats["interpreted"] == before["interpreted"], scenario.name  # the generated source ran


async def test_errors_in_pending_siblings_are_answered_by_the_plan(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    compiled, reference = pair
    documents = [
        '{ a: product(handle: "x") { id } b: products(first: 1000) { nodes { id } } c: categories { totalCount } }',
        '{ node(id: "not-an-id") { id } products(first: 2) { nodes { title } } }',
        '{ nodes(ids: ["bad", "worse"]) { id } products(first: 2, after: "junk") { nodes { id } } }',
    ]
    for document in documents:
        before = stats.copy()
        mine, theirs = await post(compiled, document), await post(reference, document)
        assert mine.get("errors"), document
        assert mine.get("data") == theirs.get("data"), document
        assert [(e["message"], e.get("path"), e.get("locations")) for e in mine["errors"]] == [
            (e["message"], e.get("path"), e.get("locations")) for e in theirs["errors"]
        ], document
        assert stats["compiled"] == before["compiled"] + 1, document


SCRIPT = """
import asyncio, gc, sys, warnings
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from bff.app import create_app
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.settings import Settings

async def main(data_dir: Path, documents: list[str]) -> None:
    settings = Settings(env="test", data_dir=data_dir, expose_metrics=True)
    store = await SqliteCatalogStore.open(settings.catalog_db_path)
    categories, records = generate_catalog(products=40, seed=3)
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.close()
    async with LifespanManager(create_app(settings), startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:
            for document in documents:
                response = await http.post("/graphql", json={"query": document})
                print(response.status_code, len(response.json().get("errors", [])))
    gc.collect()

asyncio.run(main(Path(sys.argv[1]), sys.argv[2:]))
gc.collect()
"""


def test_nothing_is_left_un_awaited(tmp_path: Path) -> None:
    documents = [FAILING, '{ products(first: 2, after: "junk") { nodes { id } } categories { totalCount } }']
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", textwrap.dedent(SCRIPT), str(tmp_path), *documents],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "never awaited" not in log and "Exception ignored" not in log and "KeyError" not in log, log
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["200", "200"], log
