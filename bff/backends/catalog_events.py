"""Catalog change notification: every write through the app's catalog tells the listeners what changed.

Listeners keep derived state in step with the catalog: cache entries to drop, search documents to
re-index, cached responses to forget. They run after the write commits, in registration order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bff.backends.catalog import CatalogStore
from bff.domain.catalog import Category, ProductRecord


class CatalogListener(Protocol):
    async def products_changed(self, product_ids: Sequence[str]) -> None: ...

    async def categories_changed(self, category_ids: Sequence[str]) -> None: ...


class ObservedCatalogStore:
    """A ``CatalogStore`` that notifies ``listeners`` after each write; reads pass straight through."""

    def __init__(self, store: CatalogStore, listeners: Sequence[CatalogListener] = ()) -> None:
        self._store = store
        self.listeners: list[CatalogListener] = list(listeners)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def upsert_products(self, records: Sequence[ProductRecord]) -> None:
        await self._store.upsert_products(records)
        ids = [r.product.id for r in records]
        for listener in self.listeners:
            await listener.products_changed(ids)

    async def upsert_categories(self, categories: Sequence[Category]) -> None:
        await self._store.upsert_categories(categories)
        ids = [c.id for c in categories]
        for listener in self.listeners:
            await listener.categories_changed(ids)
