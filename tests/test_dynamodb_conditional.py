"""``DynamoCatalogStore``'s conditional product write on moto's server: a stale version is refused with
``Conflict`` (the transaction's condition, not only the adapter's own check), only changed items are written,
and every write moves the catalog's generation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.domain.catalog import Money, Product, ProductRecord, Variant
from bff.errors import Conflict
from tests.test_dynamodb_store import TABLE, count_calls


def record(variants: int = 3) -> ProductRecord:
    return ProductRecord(
        Product("p1", "h1", "Lamp"),
        tuple(
            Variant(f"v{i}", "p1", f"S{i}", f"V{i}", Money(Decimal("5.00"), "USD"), quantity_available=2, position=i)
            for i in range(variants)
        ),
    )


@pytest.fixture
async def store(aws: str) -> AsyncIterator[DynamoCatalogStore]:
    opened = await DynamoCatalogStore.open(TABLE, "us-east-1", aws)
    await create_table(opened.requests)
    await opened.upsert_products([record()])
    yield opened
    await opened.close()


async def test_a_conditional_write_moves_the_version_and_a_stale_one_is_refused(store: DynamoCatalogStore) -> None:
    read = await store.get_product_record("p1")
    assert read is not None and read.product.version == 1
    cheaper = replace(read.variants[0], price=Money(Decimal("4.00"), "USD"))
    changed = ProductRecord(read.product, (cheaper, *read.variants[1:]))

    assert (await store.update_product(changed, 1)).product.version == 2
    with pytest.raises(Conflict):
        await store.update_product(ProductRecord(replace(read.product, title="Stale"), read.variants), 1)

    after = await store.get_product_record("p1")
    assert after is not None
    assert (after.product.title, after.product.version, after.variants[0].price.amount) == ("Lamp", 2, Decimal("4.00"))


async def test_the_transaction_condition_refuses_a_write_that_raced_past_the_read(store: DynamoCatalogStore) -> None:
    read = await store.get_product_record("p1")
    assert read is not None
    # Another writer lands between this write's own read of the stored item and its transaction.
    seen = count_calls(store, "TransactWriteItems")
    racing = {"done": False}

    async def rival_first(**kwargs: object) -> None:
        if not racing["done"]:
            racing["done"] = True
            await store.requests.batch_write(
                [{"pk": "PRODUCT#p1", "sk": "PRODUCT", **_stored_product(await _raw(store)), "version": 9}]
            )

    store.client.meta.events.register("before-call.dynamodb.TransactWriteItems", rival_first)
    with pytest.raises(Conflict):
        await store.update_product(ProductRecord(replace(read.product, title="Late"), read.variants), 1)
    assert seen["TransactWriteItems"] == 1
    [product] = await store.get_products(["p1"])
    assert product is not None and (product.title, product.version) == ("Lamp", 9)


async def test_only_changed_items_are_written_and_the_generation_moves(store: DynamoCatalogStore) -> None:
    read = await store.get_product_record("p1")
    assert read is not None
    generation = await store.generation()
    requests: list[dict[str, object]] = []

    def capture(params: dict[str, object], **kwargs: object) -> None:
        requests.append(params)

    store.client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", capture)
    restocked = replace(read.variants[2], quantity_available=40)
    await store.update_product(ProductRecord(read.product, (*read.variants[:2], restocked)), 1)

    [params] = requests
    actions = [next(iter(a.items())) for a in params["TransactItems"]]  # type: ignore[attr-defined]
    keys = [
        (kind, (body.get("Item") or body["Key"])["pk"]["S"], (body.get("Item") or body["Key"])["sk"]["S"])
        for kind, body in actions
    ]
    # The product (with the condition) and the one stock item: no variant, no listing entry (the product
    # stays available, so its entries' `available` flag does not move).
    assert keys == [("Put", "PRODUCT#p1", "PRODUCT"), ("Update", "VARIANT#v2", "STOCK")]
    assert await store.generation() == generation + 1


async def _raw(store: DynamoCatalogStore) -> dict[str, object]:
    return (await store.requests.batch_get([{"pk": "PRODUCT#p1", "sk": "PRODUCT"}], consistent=True))[
        ("PRODUCT#p1", "PRODUCT")
    ]


def _stored_product(item: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk")}
