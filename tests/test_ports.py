"""The port boundary: a declared port's adapter is wrapped with exactly the port's operations, each counted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bff import metrics
from bff.backends.cache import CACHE, Cache
from bff.backends.catalog import CATALOG, CatalogStore
from bff.backends.local.memory_cache import MemoryCache
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.ports import PortSpec, instrument, operations, unwrap


async def test_every_operation_of_the_port_is_counted_and_nothing_else_is_reachable(tmp_path: Path) -> None:
    store = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    catalog = instrument(store, CATALOG)
    calls = metrics.start_request()

    await catalog.get_products(["a", "b"])
    await catalog.get_categories(["c"])
    await catalog.get_products(["d"])

    assert calls == {"catalog.get_products": 2, "catalog.get_categories": 1}
    assert isinstance(catalog, CatalogStore)
    assert unwrap(catalog) is store
    # The adapter has helpers of its own; the port does not offer them.
    assert hasattr(store, "open") and not hasattr(catalog, "open")
    await catalog.close()


def test_the_port_operations_include_those_of_its_protocol_bases() -> None:
    names = operations(CatalogStore)
    assert names[0] == "get_products"  # declared first, on CatalogReader
    assert {"upsert_products", "ping", "close", "count_categories"} <= set(names)


def test_a_spec_naming_an_operation_the_port_lacks_is_refused() -> None:
    with pytest.raises(TypeError, match="get_everything"):
        PortSpec(Cache, "cache", idempotent=("get_many", "get_everything"))


def test_an_adapter_lacking_an_operation_is_refused_at_start_up() -> None:
    class HalfCache:
        async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
            return [None] * len(keys)

    with pytest.raises(TypeError, match="set_many"):
        instrument(HalfCache(), CACHE)  # type: ignore[arg-type]


async def test_two_capabilities_on_one_protocol_are_counted_apart() -> None:
    calls = metrics.start_request()
    first = instrument(MemoryCache(), CACHE)
    second = instrument(MemoryCache(), PortSpec(Cache, "sessions"))

    await first.get_many(["k"])
    await second.get_many(["k"])

    assert calls == {"cache.get_many": 1, "sessions.get_many": 1}
