"""The composition root for backends: settings in, one adapter per capability out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import cast

from bff.backends.cache import Cache
from bff.backends.catalog import CatalogStore
from bff.backends.catalog_events import ObservedCatalogStore
from bff.metrics import counted
from bff.settings import Settings


@dataclass(slots=True)
class Backends:
    catalog: CatalogStore
    cache: Cache
    # The catalog's write side: listeners (cache invalidation, search indexing) hang off it.
    catalog_events: ObservedCatalogStore


async def _open_catalog(settings: Settings) -> CatalogStore:
    if settings.catalog_backend == "sqlite":
        from bff.backends.local.sqlite_catalog import SqliteCatalogStore

        return await SqliteCatalogStore.open(settings.catalog_db_path)
    raise NotImplementedError(f"catalog backend {settings.catalog_backend!r} is not available in this build")


async def _open_cache(settings: Settings) -> Cache:
    if settings.cache_backend == "memory":
        from bff.backends.local.memory_cache import MemoryCache

        return MemoryCache()
    raise NotImplementedError(f"cache backend {settings.cache_backend!r} is not available in this build")


@asynccontextmanager
async def build_backends(settings: Settings) -> AsyncIterator[Backends]:
    """Open every backend once for the app's lifetime (or a command's run), and close them all after."""
    async with AsyncExitStack() as stack:
        catalog = await _open_catalog(settings)
        stack.push_async_callback(catalog.close)
        cache = await _open_cache(settings)
        stack.push_async_callback(cache.close)
        observed = ObservedCatalogStore(counted(catalog, "catalog"))
        yield Backends(
            catalog=cast(CatalogStore, observed),
            cache=counted(cache, "cache"),
            catalog_events=observed,
        )


@asynccontextmanager
async def open_catalog(settings: Settings) -> AsyncIterator[CatalogStore]:
    """The catalog with every listener attached, for commands (seed, import) that write to it."""
    async with build_backends(settings) as backends:
        yield backends.catalog
