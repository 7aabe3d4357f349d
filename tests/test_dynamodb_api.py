"""The GraphQL API on the DynamoDB catalog (moto's server) answers exactly as on SQLite, with the same
number of backend calls however many products a page holds, and refuses forged cursors the same way."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.settings import Settings
from tests.conftest import NO_COST_LIMIT, app_client, error_codes, gql, make_settings
from tests.test_batching import HOME
from tests.test_catalog_api import PAGE

TABLE = "api-contract"
DOCUMENTS = [
    (PAGE, {"first": 25, "sortKey": "PRICE", "reverse": False}),
    (PAGE, {"last": 10, "sortKey": "TITLE", "reverse": True}),
    (PAGE, {"first": 30, "sortKey": "BEST_SELLING", "reverse": False, "filter": {"available": True}}),
    (PAGE, {"first": 50, "sortKey": "PRICE", "reverse": True, "filter": {"price": {"min": "20", "max": "120"}}}),
    (
        """{ categories(first: 100, topLevel: true) { nodes { id handle children { id handle }
             products(first: 5, sortKey: CREATED_AT) { totalCount nodes { id category { breadcrumbs { handle } } } }
           } } }""",
        {},
    ),
    (HOME, {"first": 20}),
]


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> dict[str, Settings]:
    """The same catalog in a SQLite file and in a DynamoDB table; the settings of an app on each."""
    categories, records = generate_catalog(products=60, seed=5)
    sqlite_dir, dynamo_dir = tmp_path_factory.mktemp("api-sqlite"), tmp_path_factory.mktemp("api-dynamodb")
    sqlite = await SqliteCatalogStore.open(make_settings(sqlite_dir).catalog_db_path)
    dynamodb = await DynamoCatalogStore.open(TABLE, "us-east-1", moto_endpoint)
    await create_table(dynamodb.requests)
    for store in (sqlite, dynamodb):
        await store.upsert_categories(categories)
        await store.upsert_products(records)
        await store.close()
    aws = {"catalog_backend": "dynamodb", "aws_endpoint_url": moto_endpoint, "dynamodb_table": TABLE}
    # moto's server answers some listings in seconds, past the catalog's production deadline.
    aws["call_policy"] = {"catalog": {"timeout_seconds": 60}}
    roomy = {"max_query_cost": NO_COST_LIMIT}
    return {"sqlite": make_settings(sqlite_dir, **roomy), "dynamodb": make_settings(dynamo_dir, **aws, **roomy)}


@pytest.fixture(scope="module")
async def apps(seeded: dict[str, Settings]) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with app_client(seeded["sqlite"]) as on_sqlite, app_client(seeded["dynamodb"]) as on_dynamodb:
        yield on_sqlite, on_dynamodb


def without_extensions(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "extensions"}


async def test_documents_answer_the_same_on_both_backends(apps: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    on_sqlite, on_dynamodb = apps
    for document, variables in DOCUMENTS:
        expected = await gql(on_sqlite, document, **variables)
        assert "errors" not in expected, expected
        assert without_extensions(await gql(on_dynamodb, document, **variables)) == without_extensions(expected)


async def test_cursor_from_one_page_continues_on_the_other_backend(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    on_sqlite, on_dynamodb = apps
    first = (await gql(on_sqlite, PAGE, first=10, sortKey="TITLE", reverse=False))["data"]["products"]
    after = first["pageInfo"]["endCursor"]
    expected = await gql(on_sqlite, PAGE, first=10, after=after, sortKey="TITLE", reverse=False)
    assert (await gql(on_dynamodb, PAGE, first=10, after=after, sortKey="TITLE", reverse=False))["data"] == expected[
        "data"
    ]


async def test_forged_cursor_is_bad_user_input_on_dynamodb(apps: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    _, on_dynamodb = apps
    cursor = (await gql(on_dynamodb, PAGE, first=2, sortKey="PRICE", reverse=False))["data"]["products"]["pageInfo"][
        "endCursor"
    ]
    forged = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for bad, sort in [(forged, "PRICE"), ("not-a-cursor", "PRICE"), (cursor, "TITLE")]:
        body = await gql(on_dynamodb, PAGE, first=2, after=bad, sortKey=sort, reverse=False)
        assert error_codes(body) == ["BAD_USER_INPUT"], (bad, sort)


async def home_calls(http: httpx.AsyncClient, first: int) -> dict[str, int]:
    body = await gql(http, HOME, first=first)
    assert "errors" not in body, body
    return {k: v for k, v in body["extensions"]["backendCalls"].items() if k.startswith("catalog.") or k == "total"}


async def test_home_costs_the_same_calls_for_5_and_50_products_on_both_backends(seeded: dict[str, Settings]) -> None:
    for name, settings in seeded.items():
        # Store calls without the shared cache in between: the N+1 check is about the catalog port.
        async with app_client(settings.model_copy(update={"catalog_read_through": False})) as http:
            few, many = await home_calls(http, 5), await home_calls(http, 50)
        assert few == many, name
        assert few["total"] <= 5, name
