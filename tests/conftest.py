"""Shared fixtures: a seeded SQLite catalog (the real store) and the app driven through ``httpx``.

Every GraphQL document a test sends through any ``httpx.AsyncClient`` (over ASGI or to a served app) is
recorded with its variables and operation name (``recorded_documents``); ``test_zz_differential.py``, which
``pytest_collection_modifyitems`` puts last, replays the queries among them on both execution engines.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bff import tracing
from bff.app import create_app
from bff.backends.catalog import CATALOG, CatalogStore
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.ports import instrument
from bff.catalog_io import generate_catalog
from bff.settings import Settings
from bff.state import AppState

pytest_plugins = ["tests.stand_ins", "tests.cart_fixtures", "tests.recommendation_fixtures"]

SEED_PRODUCTS = 120

# (query, variables as JSON, operation name) -> the request as sent, for the differential replay
RECORDED: dict[tuple[str, str, str | None], dict[str, Any]] = {}
LAST = "test_zz_differential.py"


def _record(request: httpx.Request) -> None:
    if not request.url.path.endswith("/graphql"):
        return
    try:
        if request.method == "GET":
            params = request.url.params
            bodies: Any = [
                {
                    "query": params.get("query"),
                    "variables": json.loads(params.get("variables") or "null"),
                    "operationName": params.get("operationName"),
                }
            ]
        else:
            bodies = json.loads(request.content or b"null")
    except (ValueError, RecursionError, httpx.RequestNotRead):
        return  # not a usable GraphQL request (malformed, absurdly nested, a stream): nothing to replay
    for body in bodies if isinstance(bodies, list) else [bodies]:
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            continue  # persisted-only requests carry no document
        variables = body.get("variables") if isinstance(body.get("variables"), dict) else None
        name = body.get("operationName") if isinstance(body.get("operationName"), str) else None
        try:
            key = (body["query"], json.dumps(variables, sort_keys=True, default=str), name)
        except (ValueError, RecursionError):
            continue
        RECORDED.setdefault(key, {"query": body["query"], "variables": variables, "operationName": name})


@pytest.fixture(scope="session", autouse=True)
def recorded_documents() -> Iterator[dict[tuple[str, str, str | None], dict[str, Any]]]:
    """Records each GraphQL request any test's ``httpx.AsyncClient`` sends (however the client was built)."""
    send = httpx.AsyncClient.send

    async def recording_send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        _record(request)
        return await send(self, request, **kwargs)

    httpx.AsyncClient.send = recording_send  # type: ignore[method-assign]
    try:
        yield RECORDED
    finally:
        httpx.AsyncClient.send = send  # type: ignore[method-assign]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The differential replay runs after every other test, whatever the order of the files given."""
    items.sort(key=lambda item: item.path.name == LAST)


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    # One test client is one rate-limit client: tests of the limits turn them on (tests/test_throttle.py).
    overrides.setdefault("rate_limit", False)
    return Settings(env="test", data_dir=data_dir, expose_metrics=True, **overrides)


# For tests that read the whole (small) test catalog in one document: its requested cost, counted at the
# page sizes asked for, is far above what a storefront may spend, and the cost limit is not what they test.
NO_COST_LIMIT = 10**9


async def seed_catalog(data_dir: Path) -> Path:
    """Write the generated demo catalog (the shared store's) into ``data_dir``, with no shopping history."""
    store = await SqliteCatalogStore.open(make_settings(data_dir).catalog_db_path)
    categories, records = generate_catalog(products=SEED_PRODUCTS, seed=7)
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.close()
    return data_dir


@pytest.fixture(scope="session")
async def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the generated demo catalog; tests that only read share it."""
    return await seed_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture
async def catalog_copy(seeded_dir: Path, tmp_path: Path) -> AsyncIterator[CatalogStore]:
    """A copy of the seeded catalog's file, opened behind the port's instrumentation (calls counted), for tests
    that write to it or count its reads."""
    shutil.copy(make_settings(seeded_dir).catalog_db_path, tmp_path / "catalog.sqlite3")
    opened = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    yield instrument(opened, CATALOG)
    await opened.close()


@pytest.fixture(scope="session")
async def client(seeded_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(make_settings(seeded_dir)) as http:
        yield http


class app_client:
    """``async with app_client(settings) as http``: the app with its lifespan, over ASGI."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.manager = LifespanManager(self.app, startup_timeout=60, shutdown_timeout=60)

    async def __aenter__(self) -> httpx.AsyncClient:
        await self.manager.__aenter__()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.manager.app), base_url="http://bff")
        return self.http

    @property
    def state(self) -> AppState:
        """The running app's state (its backends), for tests that look behind the API."""
        state: AppState = self.app.state.bff
        return state

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.http.aclose()
        await self.manager.__aexit__(kind, error, trace)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span the app ends while the test runs, kept in memory (the app's tracing installed on it)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.install(None)


async def gql(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST a document; the decoded response body."""
    response = await http.post("/graphql", json={"query": query, "variables": variables or None})
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]
