"""The composition root for backends: settings in, one adapter per capability out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bff.backends.catalog import CatalogStore
from bff.metrics import counted
from bff.settings import Settings


@dataclass(slots=True)
class Backends:
    catalog: CatalogStore


async def _open_catalog(settings: Settings) -> CatalogStore:
    if settings.catalog_backend == "sqlite":
        from bff.backends.local.sqlite_catalog import SqliteCatalogStore

        return await SqliteCatalogStore.open(settings.catalog_db_path)
    raise NotImplementedError(f"catalog backend {settings.catalog_backend!r} is not available in this build")


@asynccontextmanager
async def open_catalog(settings: Settings) -> AsyncIterator[CatalogStore]:
    """Only the catalog, for commands (seed, import) that need nothing else."""
    catalog = await _open_catalog(settings)
    try:
        yield catalog
    finally:
        await catalog.close()


@asynccontextmanager
async def build_backends(settings: Settings) -> AsyncIterator[Backends]:
    """Open every backend once for the app's lifetime, and close them all on the way out."""
    catalog = await _open_catalog(settings)
    try:
        yield Backends(catalog=counted(catalog, "catalog"))
    finally:
        await catalog.close()
