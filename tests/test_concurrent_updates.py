"""Concurrent ``productUpdate``s: conditional writes on the product's version, retried against fresh state,
so updates of different fields all land; when the tries run out the answer is a ``CONFLICT`` userError."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from bff.app import create_app
from bff.backends.catalog import CatalogStore
from bff.backends.catalog_delegate import CatalogDelegate
from bff.backends.local.issuer import LocalIssuer
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.sqlite_schema import MIGRATIONS
from bff.domain.catalog import Money, Product, ProductRecord, StockLevel, Variant
from bff.domain.product_change import ProductChange, VariantChange
from bff.errors import Conflict
from bff.ids import to_global_id
from bff.services import conflicts
from bff.services.product_update import update_product
from tests.conftest import make_settings

VARIANTS = 25
UPDATE = """
mutation Update($input: ProductUpdateInput!) {
  productUpdate(input: $input) { product { id } userErrors { field message code } }
}
"""
READ = """
query P($id: ID!) {
  product(id: $id) { title variants(first: 100) { nodes { id price { amount } quantityAvailable } } }
}
"""


def wide_product() -> ProductRecord:
    variants = tuple(
        Variant(f"w-{i:02d}", "wide", f"W-{i:02d}", f"Size {i}", Money(Decimal("10.00"), "USD"), None, 5, position=i)
        for i in range(VARIANTS)
    )
    return ProductRecord(Product("wide", "wide", "Wide product"), variants)


@pytest.fixture
async def data_dir(tmp_path: Path) -> Path:
    store = await SqliteCatalogStore.open(make_settings(tmp_path).catalog_db_path)
    await store.upsert_products([wide_product()])
    await store.close()
    return tmp_path


@pytest.fixture
async def admin(data_dir: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    async with LifespanManager(create_app(make_settings(data_dir)), startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        token = LocalIssuer.load_or_create(data_dir).mint("staff@example.com", groups=("admin",))
        async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:
            yield http, {"authorization": f"Bearer {token}"}


def fifty_changes() -> list[dict[str, Any]]:
    """One field each: the title, every variant's price, all but one variant's stock."""
    product = to_global_id("Product", "wide")
    changes: list[dict[str, Any]] = [{"id": product, "title": "Renamed"}]
    for i in range(VARIANTS):
        changes.append(
            {"id": product, "variants": [{"id": to_global_id("ProductVariant", f"w-{i:02d}"), "price": f"{20 + i}.25"}]}
        )
    for i in range(VARIANTS - 1):
        variant = to_global_id("ProductVariant", f"w-{i:02d}")
        changes.append({"id": product, "variants": [{"id": variant, "quantityAvailable": 100 + i}]})
    return changes


async def test_fifty_concurrent_updates_of_different_fields_all_land(
    admin: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    http, headers = admin
    changes = fifty_changes()
    assert len(changes) == 50

    responses = await asyncio.gather(
        *(http.post("/graphql", json={"query": UPDATE, "variables": {"input": c}}, headers=headers) for c in changes)
    )

    bodies = [r.json() for r in responses]
    assert [b["data"]["productUpdate"]["userErrors"] for b in bodies] == [[]] * 50
    seen = (await http.post("/graphql", json={"query": READ, "variables": {"id": changes[0]["id"]}})).json()
    product = seen["data"]["product"]
    assert product["title"] == "Renamed"
    variants = product["variants"]["nodes"]
    assert [v["price"]["amount"] for v in variants] == [f"{20 + i}.25" for i in range(VARIANTS)]
    assert [v["quantityAvailable"] for v in variants] == [100 + i for i in range(VARIANTS - 1)] + [5]
    # Every update wrote at least once, and none more often than the bound.
    writes = [b["extensions"]["backendCalls"].get("catalog.update_product", 0) for b in bodies]
    assert all(1 <= n <= conflicts.ATTEMPTS for n in writes), writes


class RivalWriter(CatalogDelegate):
    """The real store, with another writer that always gets in between a read and the conditional write."""

    def __init__(self, store: CatalogStore) -> None:
        super().__init__(store)
        self.conditional_writes = 0

    async def update_product(self, record: ProductRecord, expected_version: int) -> int:
        self.conditional_writes += 1
        [rival] = await self._store.get_products([record.product.id])
        assert rival is not None
        current = await self._store.get_product_record(rival.id)
        assert current is not None
        await self._store.upsert_products([current])  # an import of the same product: its version moves on
        return await self._store.update_product(record, expected_version)


async def test_an_update_that_keeps_losing_is_refused_with_conflict_after_bounded_tries(data_dir: Path) -> None:
    store = await SqliteCatalogStore.open(make_settings(data_dir).catalog_db_path)
    rival = RivalWriter(store)
    change = ProductChange(
        to_global_id("Product", "wide"),
        variants=(VariantChange(to_global_id("ProductVariant", "w-00"), price=Decimal("99.00")),),
    )
    try:
        key, problems = await update_product(rival, change)
        record = await store.get_product_record("wide")
    finally:
        await store.close()

    assert key is None
    assert [(p.field, p.code.name) for p in problems] == [(("input", "id"), "CONFLICT")]
    assert rival.conditional_writes == conflicts.ATTEMPTS
    assert record is not None and record.variants[0].price.amount == Decimal("10.00")  # nothing written


async def test_a_stale_version_is_refused_and_a_fresh_one_accepted(data_dir: Path) -> None:
    store = await SqliteCatalogStore.open(make_settings(data_dir).catalog_db_path)
    try:
        record = await store.get_product_record("wide")
        assert record is not None
        version = record.product.version
        assert (await store.update_product(record, version)).product.version == version + 1

        with pytest.raises(Conflict):
            await store.update_product(record, version)
        [product] = await store.get_products(["wide"])
    finally:
        await store.close()
    assert product is not None and product.version == version + 1


async def test_a_data_dir_from_before_versions_keeps_working(tmp_path: Path) -> None:
    path = make_settings(tmp_path).catalog_db_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:  # the file as the first schema left it, with one product
        conn.executescript(f"BEGIN;\n{MIGRATIONS[0]}\nPRAGMA user_version = 1;\nCOMMIT;")
        conn.execute(
            "INSERT INTO products (id, handle, title, title_sort, currency, created_at, updated_at) "
            "VALUES ('old', 'old', 'Old', 'old', 'USD', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00')"
        )
        conn.execute(
            "INSERT INTO variants (id, product_id, sku, title, price, currency, quantity_available) "
            "VALUES ('old-v', 'old', 'OLD-1', 'One', '3.00', 'USD', 4)"
        )
    conn.close()

    store = await SqliteCatalogStore.open(path)
    try:
        record = await store.get_product_record("old")
        assert record is not None and record.product.version == 0
        # The variant's stock moved to its own table, all of it on hand, none reserved.
        assert [v.quantity_available for v in record.variants] == [4]
        assert await store.get_stock(["old-v"]) == [StockLevel("old-v", 4, 0, 1)]
        generation = await store.generation()
        renamed = ProductRecord(replace(record.product, title="Renamed"), record.variants)
        assert (await store.update_product(renamed, 0)).product.version == 1
        [product] = await store.get_products(["old"])
        assert await store.generation() == generation + 1
    finally:
        await store.close()
    assert product is not None and (product.title, product.version) == ("Renamed", 1)
