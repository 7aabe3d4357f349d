"""Catalog change notification: every write through the app's catalog tells the listeners what changed.

Listeners keep derived state in step with the catalog: search documents to re-index, cache entries to
drop, cached responses to retire. They run after the write commits, in the order the composition root
(``bff.backends.registry``) gives them once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bff.backends.catalog import CatalogStore
from bff.backends.catalog_delegate import CatalogDelegate
from bff.domain.catalog import Category, ProductRecord


class CatalogListener(Protocol):
    async def products_changed(self, product_ids: Sequence[str]) -> None: ...

    async def categories_changed(self, category_ids: Sequence[str]) -> None: ...


class ObservedCatalogStore(CatalogDelegate):
    """A ``CatalogStore`` that notifies ``listeners`` after each write; reads pass straight through."""

    def __init__(self, store: CatalogStore, listeners: Sequence[CatalogListener] = ()) -> None:
        super().__init__(store)
        self.listeners: tuple[CatalogListener, ...] = tuple(listeners)

    async def upsert_products(self, records: Sequence[ProductRecord]) -> None:
        await self._store.upsert_products(records)
        ids = [r.product.id for r in records]
        for listener in self.listeners:
            await listener.products_changed(ids)

    async def update_product(self, record: ProductRecord, expected_version: int) -> int:
        version = await self._store.update_product(record, expected_version)
        for listener in self.listeners:
            await listener.products_changed([record.product.id])
        return version

    async def upsert_categories(self, categories: Sequence[Category]) -> None:
        await self._store.upsert_categories(categories)
        ids = [c.id for c in categories]
        for listener in self.listeners:
            await listener.categories_changed(ids)
