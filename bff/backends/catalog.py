"""The ``CatalogStore`` port: products, variants and categories, batch-first.

``CatalogReader`` is its read side, what the DataLoaders and listings need (and what the shared-cache
read-through implements); ``CatalogStore`` adds the writes.

Two kinds of product write: ``upsert_products`` replaces products unconditionally (imports, the seed: the
feed is the truth), while ``update_product`` is a conditional write on the product's ``version``, the one a
read-modify-write uses (``productUpdate``): read the record, change it, write it back naming the version
read, and on ``Conflict`` start again from a fresh read (``bff.services.conflicts``). Both bump the version,
so an import between a read and a conditional write makes that write fail instead of undoing the import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.catalog import (
    Category,
    Page,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    Variant,
)


@runtime_checkable
class CatalogReader(Protocol):
    """Reads answer in the order of the keys asked for, ``None`` where nothing matches."""

    async def get_products(self, ids: Sequence[str]) -> list[Product | None]: ...

    async def get_products_by_handle(self, handles: Sequence[str]) -> list[Product | None]: ...

    async def get_variants_by_product(self, product_ids: Sequence[str]) -> list[list[Variant]]: ...

    async def get_variants(self, ids: Sequence[str]) -> list[Variant | None]: ...

    async def list_products(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[Product]: ...

    async def list_product_ids(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[str]:
        """``list_products``'s page as product ids: a layer that reads products through a cache lists them
        here and reads them by id. ``resume_key`` is set when the store stopped before the page filled."""

    async def count_products(self, query: ProductQuery) -> int: ...

    async def get_categories(self, ids: Sequence[str]) -> list[Category | None]: ...

    async def get_categories_by_handle(self, handles: Sequence[str]) -> list[Category | None]: ...

    async def get_child_categories(self, parent_ids: Sequence[str]) -> list[list[Category]]: ...

    async def list_categories(self, parent_id: str | None, top_level: bool, page: PageRequest) -> Page[Category]: ...

    async def count_categories(self, parent_id: str | None, top_level: bool) -> int: ...


@runtime_checkable
class CatalogStore(CatalogReader, Protocol):
    """The catalog with its writes; every write through the app's catalog notifies its listeners."""

    async def upsert_categories(self, categories: Sequence[Category]) -> None:
        """Insert or replace categories; ``ancestor_ids`` are recomputed by the store."""

    async def upsert_products(self, records: Sequence[ProductRecord]) -> None:
        """Insert or replace products with all their variants (variants not listed are removed).

        Unconditional: whatever is stored is replaced, and each product's version moves on."""

    async def get_product_record(self, product_id: str) -> ProductRecord | None:
        """The product with all its variants as stored now (a strongly consistent read, never a cache):
        what a conditional write starts from. ``record.product.version`` is the version to name."""

    async def update_product(self, record: ProductRecord, expected_version: int) -> int:
        """Replace the product and its variants if its stored version is still ``expected_version``; the new
        version. Raises ``bff.errors.Conflict`` when another write came first (or the product is gone)."""

    async def generation(self) -> int:
        """A number kept with the catalog that moves on every write, from any process (``catalog_watch``)."""

    async def ping(self) -> None:
        """Raise when the store cannot be reached (used by ``/readyz``)."""

    async def close(self) -> None: ...


READS = (
    "get_products",
    "get_products_by_handle",
    "get_variants_by_product",
    "get_variants",
    "list_products",
    "list_product_ids",
    "count_products",
    "get_categories",
    "get_categories_by_handle",
    "get_child_categories",
    "list_categories",
    "count_categories",
)
# Writes take as long as the batch is large (an import writes thousands of products): no deadline for them.
# `update_product` is not idempotent: a repeat after a lost answer would conflict with its own first write.
CATALOG: PortSpec[CatalogStore] = PortSpec(
    CatalogStore,
    "catalog",
    idempotent=(*READS, "get_product_record", "generation", "ping"),
    bulk=("upsert_categories", "upsert_products"),
)
