"""Shared fixtures: a seeded SQLite catalog (the real store) and the app driven through ``httpx``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from bff.app import create_app
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.settings import Settings

pytest_plugins = ["tests.stand_ins"]

SEED_PRODUCTS = 120


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(env="test", data_dir=data_dir, expose_metrics=True, **overrides)


@pytest.fixture(scope="session")
async def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the generated demo catalog; tests that only read share it."""
    data_dir = tmp_path_factory.mktemp("catalog")
    store = await SqliteCatalogStore.open(make_settings(data_dir).catalog_db_path)
    categories, records = generate_catalog(products=SEED_PRODUCTS, seed=7)
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.close()
    return data_dir


@pytest.fixture(scope="session")
async def client(seeded_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(make_settings(seeded_dir)) as http:
        yield http


class app_client:
    """``async with app_client(settings) as http``: the app with its lifespan, over ASGI."""

    def __init__(self, settings: Settings) -> None:
        self.manager = LifespanManager(create_app(settings))

    async def __aenter__(self) -> httpx.AsyncClient:
        await self.manager.__aenter__()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.manager.app), base_url="http://bff")
        return self.http

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await self.manager.__aexit__(*exc)


async def gql(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST a document; the decoded response body."""
    response = await http.post("/graphql", json={"query": query, "variables": variables or None})
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]
