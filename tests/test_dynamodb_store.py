"""``DynamoCatalogStore`` on moto's server: batching limits, retries of unprocessed keys, the DAX read path,
error translation, and the table definition shared with ``infra/data.yaml`` and ``bff dynamodb``."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bff.backends import dynamodb_schema as s
from bff.backends.dax import open_dax
from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.cli import app as cli
from bff.domain.catalog import Money, PageRequest, Product, ProductQuery, ProductRecord, ProductSortKey, Variant
from bff.errors import ServiceUnavailable
from tests.test_infra import load

TABLE = "storefront-test"


def records(n: int) -> list[ProductRecord]:
    return [
        ProductRecord(
            Product(f"p{i:04d}", f"h{i}", f"Product {i}"),
            (Variant(f"v{i:04d}", f"p{i:04d}", f"S{i}", "One", Money(Decimal("1.50"), "USD"), quantity_available=1),),
        )
        for i in range(n)
    ]


@pytest.fixture
async def store(aws: str) -> AsyncIterator[DynamoCatalogStore]:
    opened = await DynamoCatalogStore.open(TABLE, "us-east-1", aws)
    await create_table(opened.requests)
    yield opened
    await opened.close()


def count_calls(store: DynamoCatalogStore, operation: str) -> Counter[str]:
    """Requests that really reach the server, counted by a botocore event hook on the client."""
    seen: Counter[str] = Counter()

    def before_call(**kwargs: Any) -> None:
        seen[operation] += 1

    store.client.meta.events.register(f"before-call.dynamodb.{operation}", before_call)
    return seen


async def test_batch_get_asks_for_at_most_100_keys_per_request(store: DynamoCatalogStore) -> None:
    await store.upsert_products(records(12))
    seen = count_calls(store, "BatchGetItem")

    found = await store.get_products([f"p{i:04d}" for i in range(250)])

    assert seen["BatchGetItem"] == 3
    assert [p.id for p in found if p is not None] == [f"p{i:04d}" for i in range(12)]
    assert found[12:] == [None] * 238


async def test_batch_write_sends_at_most_25_items_per_request(store: DynamoCatalogStore) -> None:
    sizes: list[int] = []

    def before_build(params: dict[str, Any], **kwargs: Any) -> None:
        sizes.append(len(params["RequestItems"][TABLE]))

    store.client.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", before_build)
    await store.upsert_products(records(10))

    # Each product: its variant, its stock item and 6 listing entries (no category); the product item itself
    # is put last, on its version's condition (the commit point).
    assert sum(sizes) == 10 * 8
    assert max(sizes) == 25


async def test_unprocessed_keys_are_retried_until_answered(store: DynamoCatalogStore) -> None:
    await store.upsert_products(records(30))
    seen = count_calls(store, "BatchGetItem")
    throttled = {"left": 1}

    def after_call(parsed: dict[str, Any], **kwargs: Any) -> None:
        # What DynamoDB does under load: answer part of the batch and hand back the rest as unprocessed.
        if throttled["left"]:
            throttled["left"] -= 1
            answered = parsed["Responses"][TABLE]
            parsed["Responses"][TABLE] = answered[:10]
            parsed["UnprocessedKeys"] = {TABLE: {"Keys": [{s.PK: a[s.PK], s.SK: a[s.SK]} for a in answered[10:]]}}

    store.client.meta.events.register("after-call.dynamodb.BatchGetItem", after_call)
    found = await store.get_products([f"p{i:04d}" for i in range(30)])

    assert all(p is not None for p in found)
    assert seen["BatchGetItem"] == 2


async def test_keys_left_unprocessed_for_good_are_service_unavailable(store: DynamoCatalogStore) -> None:
    await store.upsert_products(records(3))

    def after_call(parsed: dict[str, Any], **kwargs: Any) -> None:
        answered = parsed["Responses"][TABLE]
        parsed["Responses"][TABLE] = []
        parsed["UnprocessedKeys"] = {TABLE: {"Keys": [{s.PK: a[s.PK], s.SK: a[s.SK]} for a in answered]}}

    store.client.meta.events.register("after-call.dynamodb.BatchGetItem", after_call)
    store.requests.backoff_base = 0.001
    with pytest.raises(ServiceUnavailable):
        await store.get_products(["p0000", "p0001"])


async def test_eventually_consistent_reads_go_through_dax_and_writes_do_not(aws: str) -> None:
    dax = open_dax(aws, "us-east-1")  # an http endpoint: the DAX thread-pool path over the stand-in
    store = await DynamoCatalogStore.open(TABLE, "us-east-1", aws, dax=dax)
    try:
        await create_table(store.requests)
        await store.upsert_products(records(5))
        writes = dict(store.requests.requests)
        await store.get_products(["p0001"])
        await store.list_products(ProductQuery(), ProductSortKey.TITLE, False, PageRequest(limit=2))
        await store.get_products_by_handle(["h2"])
    finally:
        await store.close()

    # The write's read-back of stored products (then their variants and stock) is consistent: DynamoDB, never DAX.
    assert writes["dynamodb.BatchGetItem"] == 2 and "dax.BatchGetItem" not in writes
    reads = store.requests.requests - Counter(writes)
    assert reads == Counter({"dax.BatchGetItem": 2, "dax.Query": 2})


async def test_unreachable_endpoint_is_service_unavailable() -> None:
    from tests.stand_ins import free_port

    store = await DynamoCatalogStore.open(TABLE, "us-east-1", f"http://127.0.0.1:{free_port()}", max_attempts=1)
    try:
        with pytest.raises(ServiceUnavailable):
            await store.get_products(["p1"])
    finally:
        await store.close()


async def test_missing_table_is_service_unavailable(aws: str) -> None:
    store = await DynamoCatalogStore.open("no-such-table", "us-east-1", aws)
    try:
        with pytest.raises(ServiceUnavailable):
            await store.get_products(["p1"])
    finally:
        await store.close()


def test_table_definition_matches_infra_data_yaml() -> None:
    table = load("data.yaml")["Resources"]["StorefrontTable"]["Properties"]
    defined = s.table_definition("x")

    assert defined["KeySchema"] == table["KeySchema"]
    assert defined["AttributeDefinitions"] == table["AttributeDefinitions"]
    assert defined["GlobalSecondaryIndexes"] == table["GlobalSecondaryIndexes"]
    assert defined["BillingMode"] == table["BillingMode"]
    assert table["TimeToLiveSpecification"]["AttributeName"] == s.TTL_ATTRIBUTE
    # The stream other instances and the search index catch up from (docs/data-model.md).
    assert defined["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["StreamSpecification"] == {"StreamViewType": defined["StreamSpecification"]["StreamViewType"]}


def test_cli_creates_the_table_once_and_seeds_it(aws: str, tmp_path: Path) -> None:
    env = {
        "BFF_CATALOG_BACKEND": "dynamodb",
        "BFF_AWS_ENDPOINT_URL": aws,
        "BFF_DYNAMODB_TABLE": "cli-table",
        "BFF_DATA_DIR": str(tmp_path),
        "BFF_ENV": "test",
        # moto's server answers some listings in seconds, past the catalog's production deadline.
        "BFF_CALL_POLICY": '{"catalog": {"timeout_seconds": 60}}',
    }
    runner = CliRunner()

    first = runner.invoke(cli, ["dynamodb", "create-table"], env=env)
    again = runner.invoke(cli, ["dynamodb", "create-table"], env=env)
    seeded = runner.invoke(cli, ["seed", "--products", "12", "--seed", "3"], env=env)

    assert (first.exit_code, again.exit_code, seeded.exit_code) == (0, 0, 0), seeded.output
    assert "created table cli-table" in first.output
    assert "already exists" in again.output
    assert "12" in seeded.output
    assert "seeded 7 demo discount codes" in seeded.output
    again = runner.invoke(cli, ["seed", "--products", "12", "--seed", "3", "--if-empty"], env=env)
    assert again.exit_code == 0, again.output
    assert "discount" not in again.output
    assert "nothing to do" in again.output
