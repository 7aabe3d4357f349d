"""The ``CatalogStore`` port: products, variants and categories, batch-first.

``CatalogReader`` is its read side, what the DataLoaders and listings need (and what the shared-cache
read-through implements); ``CatalogStore`` adds the writes.

Two kinds of product write: ``upsert_products`` replaces products with what the feed says (imports, the
seed), while ``update_product`` is a conditional write on the product's ``version``, the one a
read-modify-write uses (``productUpdate``): read the record, change it, write it back naming the version
read, and on ``Conflict`` start again from a fresh read (``bff.services.conflicts``). Both bump the version
and both are conditional on it (an import reads the version consistently and retries its own write against
a fresh read when another write came first), so neither ever overwrites the other with what it read.

Stock is kept apart from the product (``StockLevel``): ``on_hand`` is what the feed or an admin says,
``reserved`` what orders took. Product writes and ``set_stock`` set ``on_hand`` and never touch ``reserved``;
reads answer ``Variant.quantity_available`` = on hand minus reserved (never below 0). A stock change writes
the stock item alone unless the product's availability crosses zero (``docs/data-model.md``).

Writes answer what they wrote (the products with their derived summary, the categories with their
ancestors): the catalog's listeners get those, never a re-read (``bff.backends.catalog_events``). Listener
work that failed is kept in the store (``record_pending``) and replayed later.
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
    StockChange,
    StockLevel,
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

    async def upsert_categories(self, categories: Sequence[Category]) -> list[Category]:
        """Insert or replace categories; ``ancestor_ids`` are recomputed by the store. The categories as
        written (ancestors included)."""

    async def upsert_products(self, records: Sequence[ProductRecord]) -> list[ProductRecord]:
        """Insert or replace products with all their variants (variants not listed are removed); each
        variant's ``quantity_available`` sets its units on hand, reservations stay.

        Whatever is stored is replaced, and each product's version moves on; the write of each product is
        conditional on the version this call read (consistently) and redone against a fresh read when
        another write came first. The records as written (derived summary, version, ``created_at``)."""

    async def get_product_record(self, product_id: str) -> ProductRecord | None:
        """The product with all its variants as stored now (a strongly consistent read, never a cache):
        what a conditional write starts from. ``record.product.version`` is the version to name."""

    async def update_product(self, record: ProductRecord, expected_version: int) -> ProductRecord:
        """Replace the product and its variants if its stored version is still ``expected_version``; the
        record as written (``record.product.version`` is the new version). A variant's on-hand units change
        only where its quantity differs from the one stored. Raises ``bff.errors.Conflict`` when another
        write came first (or the product is gone)."""

    async def set_stock(self, levels: Sequence[tuple[str, int]]) -> StockChange:
        """Set the units on hand of variants (``(variant_id, on_hand)``; feed or admin counts), leaving what
        orders reserved. Writes the stock items only, plus the product's summary and listing entries where
        its availability crosses zero. ``BadUserInput`` for a variant the catalog does not have."""

    async def get_stock(self, variant_ids: Sequence[str]) -> list[StockLevel | None]:
        """The variants' stock as stored now (a strongly consistent read), ``None`` for unknown variants."""

    async def refresh_availability(self, variant_ids: Sequence[str]) -> StockChange:
        """After orders reserved or released these variants' units (in the order store's own transactions),
        rewrite the products whose availability no longer matches their stock; ``flipped`` are those
        products, the levels as stored now. Unknown variants are left out."""

    async def record_pending(self, listener: str, kind: str, keys: Sequence[str]) -> None:
        """Remember that ``listener`` still has to hear of these changes (``kind``: ``product`` or
        ``category``); kept with the catalog so a process that dies loses nothing."""

    async def pending(self, limit: int) -> list[tuple[str, str, str]]:
        """At most ``limit`` changes listeners still have to hear of, as ``(listener, kind, key)`` (one read)."""

    async def clear_pending(self, changes: Sequence[tuple[str, str, str]]) -> None:
        """Forget changes (``(listener, kind, key)``) their listener has now heard of."""

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
# `set_stock` is tried once too: a repeat would move the stock's version twice.
CATALOG: PortSpec[CatalogStore] = PortSpec(
    CatalogStore,
    "catalog",
    idempotent=(
        *READS,
        "get_product_record",
        "get_stock",
        "generation",
        "ping",
        "record_pending",
        "pending",
        "clear_pending",
    ),
    bulk=("upsert_categories", "upsert_products"),
)
