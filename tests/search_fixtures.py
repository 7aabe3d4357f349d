"""The generated catalog's search documents, for tests of the embedded search engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.search_indexer import catalog_pages, documents
from bff.catalog_io import generate_catalog
from bff.domain.search import SearchDocument


async def catalog_docs(path: Path, products: int, seed: int) -> list[SearchDocument]:
    """The search documents of a generated catalog of ``products`` (``seed``), imported into a store at ``path``."""
    store = await SqliteCatalogStore.open(path)
    try:
        categories, records = generate_catalog(products=products, seed=seed)
        await store.upsert_categories(categories)
        await store.upsert_products(records)
        return [d async for page in catalog_pages(store) for d in await documents(store, page)]
    finally:
        await store.close()


async def batches(docs: Sequence[SearchDocument]) -> AsyncIterator[Sequence[SearchDocument]]:
    """``docs`` as one rebuild batch."""
    yield docs
