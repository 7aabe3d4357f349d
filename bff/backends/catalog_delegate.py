"""``CatalogDelegate``: a ``CatalogStore`` that hands every call to another one.

Layers over the catalog (listeners after writes, the shared-cache read-through) subclass it and override
only what they change; mypy checks the whole class against the port, so a new operation on the port is a
type error here until it is forwarded, never a call that silently skips a layer.
"""

from __future__ import annotations

from collections.abc import Sequence

from bff.backends.catalog import CatalogReader, CatalogStore
from bff.domain.catalog import (
    Category,
    Page,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    StockChange,
    StockLevel,
    Variant,
)


class CatalogReadDelegate:
    """Forwards every read of ``CatalogReader`` to ``self._store``."""

    def __init__(self, store: CatalogReader) -> None:
        self._store = store

    async def get_products(self, ids: Sequence[str]) -> list[Product | None]:
        return await self._store.get_products(ids)

    async def get_products_by_handle(self, handles: Sequence[str]) -> list[Product | None]:
        return await self._store.get_products_by_handle(handles)

    async def get_variants_by_product(self, product_ids: Sequence[str]) -> list[list[Variant]]:
        return await self._store.get_variants_by_product(product_ids)

    async def get_variants(self, ids: Sequence[str]) -> list[Variant | None]:
        return await self._store.get_variants(ids)

    async def list_products(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[Product]:
        return await self._store.list_products(query, sort, reverse, page)

    async def list_product_ids(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[str]:
        return await self._store.list_product_ids(query, sort, reverse, page)

    async def count_products(self, query: ProductQuery) -> int:
        return await self._store.count_products(query)

    async def get_categories(self, ids: Sequence[str]) -> list[Category | None]:
        return await self._store.get_categories(ids)

    async def get_categories_by_handle(self, handles: Sequence[str]) -> list[Category | None]:
        return await self._store.get_categories_by_handle(handles)

    async def get_child_categories(self, parent_ids: Sequence[str]) -> list[list[Category]]:
        return await self._store.get_child_categories(parent_ids)

    async def list_categories(self, parent_id: str | None, top_level: bool, page: PageRequest) -> Page[Category]:
        return await self._store.list_categories(parent_id, top_level, page)

    async def count_categories(self, parent_id: str | None, top_level: bool) -> int:
        return await self._store.count_categories(parent_id, top_level)


class CatalogDelegate(CatalogReadDelegate):
    """Forwards every operation of ``CatalogStore``, writes included, to ``self._store``."""

    _store: CatalogStore

    def __init__(self, store: CatalogStore) -> None:
        super().__init__(store)

    async def upsert_categories(self, categories: Sequence[Category]) -> list[Category]:
        return await self._store.upsert_categories(categories)

    async def upsert_products(self, records: Sequence[ProductRecord]) -> list[ProductRecord]:
        return await self._store.upsert_products(records)

    async def get_product_record(self, product_id: str) -> ProductRecord | None:
        return await self._store.get_product_record(product_id)

    async def update_product(self, record: ProductRecord, expected_version: int) -> ProductRecord:
        return await self._store.update_product(record, expected_version)

    async def set_stock(self, levels: Sequence[tuple[str, int]]) -> StockChange:
        return await self._store.set_stock(levels)

    async def get_stock(self, variant_ids: Sequence[str]) -> list[StockLevel | None]:
        return await self._store.get_stock(variant_ids)

    async def refresh_availability(self, variant_ids: Sequence[str]) -> StockChange:
        return await self._store.refresh_availability(variant_ids)

    async def record_pending(self, listener: str, kind: str, keys: Sequence[str]) -> None:
        await self._store.record_pending(listener, kind, keys)

    async def pending(self, limit: int) -> list[tuple[str, str, str]]:
        return await self._store.pending(limit)

    async def clear_pending(self, changes: Sequence[tuple[str, str, str]]) -> None:
        await self._store.clear_pending(changes)

    async def generation(self) -> int:
        return await self._store.generation()

    async def ping(self) -> None:
        await self._store.ping()

    async def close(self) -> None:
        await self._store.close()
