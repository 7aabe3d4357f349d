"""Stock and minimal writes on DynamoDB (moto's server): a variant's stock is its own item, read with the
variant in one BatchGetItem; a stock change writes that item alone unless availability crosses zero; a
price change writes only what changed; imports set stock on hand and never touch what orders reserved, and
write each product on the condition of the version they read.

Write counts are the items the requests that reach the server write (hooks on the client): BatchWriteItem
requests, TransactWriteItems actions, PutItem and UpdateItem, minus the catalog's generation item."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.domain.catalog import (
    Money,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    StockLevel,
    Variant,
)
from bff.errors import BadUserInput
from tests.test_dynamodb_store import TABLE, count_calls

CATEGORY = "c1"


def lamp(quantities: tuple[int, ...] = (2, 0, 5), prices: tuple[str, ...] = ("5.00", "6.00", "7.00")) -> ProductRecord:
    return ProductRecord(
        Product("p1", "lamp", "Lamp", category_id=CATEGORY),
        tuple(
            Variant(f"v{i}", "p1", f"S{i}", f"V{i}", Money(Decimal(price), "USD"), quantity_available=q, position=i)
            for i, (q, price) in enumerate(zip(quantities, prices, strict=True))
        ),
    )


class WriteCounter:
    """Items written per operation, counted on the requests as they leave the client."""

    def __init__(self, store: DynamoCatalogStore) -> None:
        self.items: Counter[str] = Counter()
        self.keys: list[tuple[str, str]] = []
        events = store.client.meta.events
        for operation in ("BatchWriteItem", "TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"):
            events.register(f"before-parameter-build.dynamodb.{operation}", self._counter(operation))

    def _counter(self, operation: str) -> Any:
        def count(params: dict[str, Any], **kwargs: Any) -> None:
            if operation == "BatchWriteItem":
                bodies = [next(iter(r.values())) for r in params["RequestItems"][TABLE]]
                keys = [b.get("Item") or b["Key"] for b in bodies]
            elif operation == "TransactWriteItems":
                bodies = [next(iter(a.values())) for a in params["TransactItems"]]
                keys = [b.get("Item") or b["Key"] for b in bodies]
            else:
                keys = [params.get("Item") or params["Key"]]
            for key in keys:
                pk, sk = key["pk"]["S"], key["sk"]["S"]
                if pk == "META":  # the catalog's generation, moved once per write call
                    continue
                self.items[operation] += 1
                self.keys.append((pk, sk))

        return count

    def reset(self) -> None:
        self.items.clear()
        self.keys.clear()

    @property
    def total(self) -> int:
        return sum(self.items.values())


@pytest.fixture
async def store(aws: str) -> AsyncIterator[DynamoCatalogStore]:
    opened = await DynamoCatalogStore.open(TABLE, "us-east-1", aws)
    await create_table(opened.requests)
    await opened.upsert_products([lamp()])
    yield opened
    await opened.close()


async def reserve(store: DynamoCatalogStore, variant_id: str, units: int) -> None:
    """What checkout does: take units on the documented condition ``available >= :qty``."""
    await store.requests.call(
        "UpdateItem",
        {
            "TableName": TABLE,
            "Key": {"pk": {"S": f"VARIANT#{variant_id}"}, "sk": {"S": "STOCK"}},
            "UpdateExpression": "SET reserved = reserved + :q, available = available - :q ADD version :one",
            "ConditionExpression": "available >= :q",
            "ExpressionAttributeValues": {":q": {"N": str(units)}, ":one": {"N": "1"}},
        },
    )


async def test_variants_are_read_with_their_stock_in_one_request(store: DynamoCatalogStore) -> None:
    seen = count_calls(store, "BatchGetItem")

    variants = await store.get_variants(["v0", "v1", "missing", "v2"])

    assert seen["BatchGetItem"] == 1
    assert [v.quantity_available if v else None for v in variants] == [2, 0, None, 5]
    assert await store.get_stock(["v0", "missing"]) == [StockLevel("v0", 2, 0, 1), None]


async def test_a_stock_change_that_does_not_cross_zero_writes_one_item(store: DynamoCatalogStore) -> None:
    writes = WriteCounter(store)

    change = await store.set_stock([("v0", 9)])

    assert writes.keys == [("VARIANT#v0", "STOCK")] and writes.total == 1
    assert change.levels == (StockLevel("v0", 9, 0, 2),) and change.product_ids == ("p1",) and not change.flipped
    (variant,) = await store.get_variants(["v0"])
    assert variant is not None and variant.quantity_available == 9


async def test_crossing_zero_rewrites_the_summary_and_the_listing_flags_only(store: DynamoCatalogStore) -> None:
    available = ProductQuery(available=True)
    assert await store.count_products(available) == 1
    writes = WriteCounter(store)

    change = await store.set_stock([("v0", 0), ("v2", 0)])

    # Two stock items, then the product item and its 12 listing entries (6 sorts x all + its category).
    assert writes.items["UpdateItem"] == 2
    assert writes.items["TransactWriteItems"] == 1 + 12
    assert writes.total == 15
    (flipped,) = change.flipped
    assert not flipped.product.available and flipped.product.version == 2
    assert await store.count_products(available) == 0
    assert await store.count_products(ProductQuery(available=False, category_id=None)) == 1
    (product,) = await store.get_products(["p1"])
    assert product is not None and not product.available_for_sale

    writes.reset()
    back = await store.set_stock([("v1", 3)])

    assert writes.total == 1 + 1 + 12 and back.flipped[0].product.available
    page = await store.list_products(available, ProductSortKey.PRICE, False, PageRequest(limit=5))
    assert [p.id for p in page.items] == ["p1"]


async def test_a_price_change_writes_far_fewer_items_than_a_whole_product(store: DynamoCatalogStore) -> None:
    read = await store.get_product_record("p1")
    assert read is not None
    writes = WriteCounter(store)

    dearer = replace(read.variants[2], price=Money(Decimal("8.00"), "USD"))
    await store.update_product(replace(read, variants=(*read.variants[:2], dearer)), read.product.version)
    not_the_lowest = writes.total
    writes.reset()
    again = await store.get_product_record("p1")
    assert again is not None
    cheaper = replace(again.variants[0], price=Money(Decimal("1.00"), "USD"))
    await store.update_product(replace(again, variants=(cheaper, *again.variants[1:])), again.product.version)

    # The highest price moves: the product (summary) and the variant; nothing sorts or filters on it.
    assert not_the_lowest == 2
    # The lowest price moves: the product, the variant and the 12 entries that carry `priceSort` (the
    # 4 PRICE-sorted ones by key, the others as a filter attribute). A whole product was 35-37.
    assert writes.total == 1 + 1 + 12
    assert ("VARIANT#v0", "VARIANT") in writes.keys and ("VARIANT#v1", "VARIANT") not in writes.keys
    assert not any(sk == "STOCK" for _, sk in writes.keys)


async def test_a_reimport_sets_on_hand_and_keeps_what_orders_reserved(store: DynamoCatalogStore) -> None:
    await reserve(store, "v2", 4)
    assert [v.quantity_available for v in await store.get_variants(["v2"]) if v] == [1]
    writes = WriteCounter(store)

    (written,) = await store.upsert_products([lamp(quantities=(2, 0, 10))])

    assert await store.get_stock(["v2"]) == [StockLevel("v2", 10, 4, 3)]
    assert [v.quantity_available for v in written.variants] == [2, 0, 6]
    (variants,) = await store.get_variants_by_product(["p1"])
    assert [v.quantity_available for v in variants] == [2, 0, 6]
    # Unchanged variants, entries and stock are not written again: the changed stock, the product, and its
    # two UPDATED-sorted entries (an import stamps the product updated now).
    assert sorted(writes.keys) == [
        ("PRODUCT#p1", "LIST#UPDATED#ALL"),
        ("PRODUCT#p1", "LIST#UPDATED#CATEGORY#c1"),
        ("PRODUCT#p1", "PRODUCT"),
        ("VARIANT#v2", "STOCK"),
    ]
    # A feed below what is reserved leaves nothing to sell, and nothing is unreserved.
    await store.upsert_products([lamp(quantities=(0, 0, 3))])
    assert await store.get_stock(["v2"]) == [StockLevel("v2", 3, 4, 4)]
    (product,) = await store.get_products(["p1"])
    assert product is not None and not product.available


async def test_an_import_racing_an_update_redoes_its_write_on_a_fresh_read(store: DynamoCatalogStore) -> None:
    read = await store.get_product_record("p1")
    assert read is not None
    puts = count_calls(store, "PutItem")
    raced = {"done": False}

    async def update_first(**kwargs: object) -> None:
        # An admin's conditional update lands between the import's read and its commit.
        if not raced["done"]:
            raced["done"] = True
            await store.update_product(replace(read, product=replace(read.product, title="Admin")), 1)

    store.client.meta.events.register("before-call.dynamodb.PutItem", update_first)
    (written,) = await store.upsert_products([lamp()])

    assert puts["PutItem"] == 2  # the first commit lost its condition; the second, on version 2, won
    assert written.product.version == 3
    (product,) = await store.get_products(["p1"])
    assert product is not None and (product.title, product.version) == ("Lamp", 3)


async def test_the_table_is_created_with_its_stream(store: DynamoCatalogStore) -> None:
    table = (await store.requests.call("DescribeTable", {"TableName": TABLE}))["Table"]

    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["LatestStreamArn"]


async def test_stock_of_an_unknown_variant_is_refused(store: DynamoCatalogStore) -> None:
    with pytest.raises(BadUserInput):
        await store.set_stock([("v0", 1), ("nope", 2)])
    assert await store.get_stock(["v0"]) == [StockLevel("v0", 2, 0, 1)]


async def test_listener_work_is_recorded_read_in_one_query_and_cleared(store: DynamoCatalogStore) -> None:
    await store.record_pending("search", "product", ["p1", "p2", "p1"])
    await store.record_pending("responses", "category", ["c#1"])
    queries = count_calls(store, "Query")

    found = await store.pending(10)

    assert queries["Query"] == 1
    assert found == [("responses", "category", "c#1"), ("search", "product", "p1"), ("search", "product", "p2")]
    assert await store.pending(2) == found[:2]
    await store.clear_pending(found[:2])
    assert await store.pending(10) == [("search", "product", "p2")]


async def test_a_flip_whose_answer_was_lost_is_still_reported(store: DynamoCatalogStore) -> None:
    lost = {"left": 1}

    def answer_lost(**kwargs: Any) -> None:
        # The transaction landed, but the client saw what an SDK retry of it would answer: its own condition
        # failing (the version already moved).
        if lost["left"]:
            lost["left"] -= 1
            error = {"Code": "TransactionCanceledException", "Message": "cancelled"}
            reasons = [{"Code": "ConditionalCheckFailed"}]
            raise ClientError({"Error": error, "CancellationReasons": reasons}, "TransactWriteItems")

    store.client.meta.events.register("after-call.dynamodb.TransactWriteItems", answer_lost)

    change = await store.set_stock([("v0", 0), ("v2", 0)])

    assert lost["left"] == 0
    (flipped,) = change.flipped
    assert flipped.product.id == "p1" and not flipped.product.available and flipped.product.version == 2
