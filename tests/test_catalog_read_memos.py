"""The catalog read-through's in-process memory: products by handle read by id through the cache, decoded
values remembered by their bytes, and cache writes in the background that never pile up nor outlive a delete."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bff import metrics
from bff.backends.cache_writes import WriteBehind
from bff.backends.catalog import CatalogStore
from bff.backends.catalog_cache import CachedCatalogReads
from bff.backends.catalog_memos import DecodedValues, HandleIds
from bff.backends.local.memory_cache import MemoryCache
from bff.domain.catalog import ProductRecord


@pytest.fixture
async def reads(catalog_copy: CatalogStore) -> AsyncIterator[CachedCatalogReads]:
    reads = CachedCatalogReads(catalog_copy, MemoryCache())
    yield reads
    await reads.flush()


def store_calls(name: str) -> int:
    return metrics.total_calls[f"catalog.{name}"]


async def test_a_handle_read_again_is_served_by_id_from_the_cache(
    catalog_copy: CatalogStore, reads: CachedCatalogReads
) -> None:
    (product,) = await catalog_copy.get_products(["demo-00005"])
    assert product is not None
    by_handle, by_id = store_calls("get_products_by_handle"), store_calls("get_products")

    first = await reads.get_products_by_handle([product.handle, "no-such-handle"])
    await reads.flush()
    again = await reads.get_products_by_handle([product.handle])

    assert first == [product, None] and again == [product]
    # The store once by handle (both handles); the product written under its id, then read from there.
    assert store_calls("get_products_by_handle") - by_handle == 1
    assert store_calls("get_products") - by_id == 0
    assert reads.stats["hits"] == 1


async def test_a_handle_renamed_elsewhere_answers_what_the_store_says(
    catalog_copy: CatalogStore, reads: CachedCatalogReads
) -> None:
    (product,) = await catalog_copy.get_products(["demo-00006"])
    (variants,) = await catalog_copy.get_variants_by_product(["demo-00006"])
    assert product is not None
    await reads.get_products_by_handle([product.handle])
    await reads.flush()
    renamed = replace(product, handle=f"{product.handle}-renamed")
    # Another process renames it: this one's listeners never hear of it; the shared entry is deleted there.
    await catalog_copy.upsert_products([ProductRecord(renamed, tuple(variants))])
    await reads._cache.delete_many([reads.key("product", product.id)])

    old, new = await reads.get_products_by_handle([product.handle, renamed.handle])

    assert old is None
    assert new is not None and new.id == product.id and new.handle == renamed.handle


async def test_a_product_write_here_forgets_its_handle(catalog_copy: CatalogStore, reads: CachedCatalogReads) -> None:
    (product,) = await catalog_copy.get_products(["demo-00008"])
    assert product is not None
    await reads.get_products_by_handle([product.handle])
    assert reads._handle_ids.get(product.handle) == product.id

    await reads.products_changed([ProductRecord(product, ())])

    assert reads._handle_ids.get(product.handle) is None


async def test_a_cached_value_is_decoded_once(reads: CachedCatalogReads) -> None:
    await reads.get_products(["demo-00009"])
    await reads.get_variants_by_product(["demo-00009"])
    await reads.flush()

    first = await reads.get_products(["demo-00009"])
    second = await reads.get_products(["demo-00009"])
    (variants,) = await reads.get_variants_by_product(["demo-00009"])
    (again,) = await reads.get_variants_by_product(["demo-00009"])

    assert first[0] is second[0]  # frozen: shared between requests
    assert variants == again and variants is not again  # a list: each caller its own
    assert reads._decoded["product"].decoded == 1 and reads._decoded["variants"].decoded == 1


def test_remembered_values_are_bounded() -> None:
    decoded = DecodedValues(bytes.decode, size=2)
    for raw in (b"a", b"b", b"c", b"c"):
        decoded(raw)
    handles = HandleIds(size=2)
    for n in range(3):
        handles.remember(f"h{n}", f"p{n}")
    handles.remember("h2", "p9")  # a handle now naming another product

    assert decoded.decoded == 3 and decoded(b"a") == "a" and decoded.decoded == 4
    assert (len(handles), handles.get("h0"), handles.get("h2")) == (2, None, "p9")
    handles.forget_products(["p9"])
    assert handles.get("h2") is None


async def test_background_writes_are_bounded_and_a_delete_waits_for_them() -> None:
    writes = WriteBehind(limit=2)
    gate = asyncio.Event()
    landed: list[str] = []

    def writing(key: str):  # type: ignore[no-untyped-def]
        async def write() -> None:
            await gate.wait()
            landed.append(key)

        return write

    await writes.write(["a"], writing("a"))
    await writes.write(["b"], writing("b"))
    third = asyncio.ensure_future(writes.write(["c"], writing("c")))  # past the limit: awaited by its caller
    settled = asyncio.ensure_future(writes.settle(["a"]))
    await asyncio.sleep(0)
    assert (len(writes), third.done(), settled.done()) == (2, False, False)

    gate.set()
    await asyncio.gather(third, settled)
    await writes.flush()

    assert sorted(landed) == ["a", "b", "c"] and len(writes) == 0
