"""Catalog change notification: every write through the app's catalog tells the listeners what it wrote.

Listeners keep derived state in step with the catalog: search documents to re-index, cache entries to
drop, cached responses to retire. They run after the write commits, in the order the composition root
(``bff.backends.registry``) gives them once, and they get the records the write stored (the products with
their derived summary, the categories with their ancestors): never a re-read, which through DAX or a cache
could answer the copy from before the write.

Every listener runs even when another one fails. A failing listener is tried again a couple of times at
once; if it still fails the write stays committed (the caller gets its answer), the failure is logged at
ERROR with the ids, counted (``bff_catalog_listener_failures_total``) and recorded in the catalog store
(``CatalogStore.record_pending``: a SQLite table, DynamoDB items ``PENDING`` / ``<listener>#...``), so nothing is
lost when the process dies. :meth:`ObservedCatalogStore.replay` hands the recorded products and categories,
read again consistently from the store, to their listener, and forgets them once it took them; the catalog
watch runs it periodically (``bff.backends.catalog_watch``). In AWS the table's stream is the other way
derived state catches up (``docs/data-model.md``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bff.backends.catalog import CatalogStore
from bff.backends.catalog_delegate import CatalogDelegate
from bff.domain.catalog import Category, ProductRecord, StockChange
from bff.observability import listener_failed

log = logging.getLogger("bff.catalog_events")

# Tries of a listener before its change is recorded for a replay, and the pause before the first retry.
TRIES = 3
RETRY_DELAY_SECONDS = 0.05
# Changes replayed per listener and run.
REPLAY_BATCH = 100
PRODUCT, CATEGORY = "product", "category"


class CatalogListener(Protocol):
    async def products_changed(self, records: Sequence[ProductRecord]) -> None:
        """Products (with all their variants) as a write stored them."""

    async def categories_changed(self, categories: Sequence[Category]) -> None:
        """Categories as a write stored them (ancestors recomputed)."""

    async def stock_changed(self, change: StockChange) -> None:
        """Stock levels set; ``change.flipped`` are the products whose availability crossed zero."""


def listener_name(listener: object) -> str:
    """The name a listener's pending changes are kept under (its ``name``, or its class's)."""
    return str(getattr(listener, "name", type(listener).__name__))


class ObservedCatalogStore(CatalogDelegate):
    """A ``CatalogStore`` that notifies ``listeners`` after each write; reads pass straight through."""

    def __init__(self, store: CatalogStore, listeners: Sequence[CatalogListener] = ()) -> None:
        super().__init__(store)
        self.listeners: tuple[CatalogListener, ...] = tuple(listeners)
        self.retry_delay = RETRY_DELAY_SECONDS

    async def upsert_products(self, records: Sequence[ProductRecord]) -> list[ProductRecord]:
        written = await self._store.upsert_products(records)
        await self._notify(lambda listener: listener.products_changed(written), PRODUCT, _ids(written))
        return written

    async def update_product(self, record: ProductRecord, expected_version: int) -> ProductRecord:
        written = await self._store.update_product(record, expected_version)
        await self._notify(lambda listener: listener.products_changed([written]), PRODUCT, _ids([written]))
        return written

    async def set_stock(self, levels: Sequence[tuple[str, int]]) -> StockChange:
        change = await self._store.set_stock(levels)
        await self._notify(lambda listener: listener.stock_changed(change), PRODUCT, list(change.product_ids))
        return change

    async def refresh_availability(self, variant_ids: Sequence[str]) -> StockChange:
        """After orders reserved or released these variants' units (the order store's own transactions), rewrite
        the products whose availability crossed zero, and tell the listeners only then: an order that leaves
        its products available retires no cached response."""
        change = await self._store.refresh_availability(variant_ids)
        if change.flipped:
            await self._notify(lambda listener: listener.stock_changed(change), PRODUCT, list(change.product_ids))
        return change

    async def upsert_categories(self, categories: Sequence[Category]) -> list[Category]:
        written = await self._store.upsert_categories(categories)
        ids = [c.id for c in written]
        await self._notify(lambda listener: listener.categories_changed(written), CATEGORY, ids)
        return written

    async def _notify(self, call: Callable[[CatalogListener], Awaitable[None]], kind: str, keys: Sequence[str]) -> None:
        for listener in self.listeners:
            name = listener_name(listener)
            try:
                await self._tried(call, listener)
            except Exception as error:  # noqa: BLE001 - any listener failure is logged and recorded (_keep)
                await self._keep(name, kind, keys, error)

    async def _tried(self, call: Callable[[CatalogListener], Awaitable[None]], listener: CatalogListener) -> None:
        for tried in range(1, TRIES + 1):
            try:
                await call(listener)
                return
            except Exception:
                if tried == TRIES:
                    raise
                await asyncio.sleep(self.retry_delay * 2 ** (tried - 1))

    async def _keep(self, name: str, kind: str, keys: Sequence[str], error: Exception) -> None:
        shown = ", ".join(keys[:20]) + (f" and {len(keys) - 20} more" if len(keys) > 20 else "")
        try:
            await self._store.record_pending(name, kind, keys)
        except Exception as unrecorded:  # noqa: BLE001 - logged below, with the listener's own failure
            listener_failed(name, "lost")
            log.error(
                "catalog listener %s failed for %s %s after the write committed, and the change could not be "
                "recorded for a replay (%s): %s",
                name,
                kind,
                shown,
                unrecorded,
                error,
            )
            return
        listener_failed(name, "recorded")
        log.error(
            "catalog listener %s failed for %s %s after the write committed; recorded for a replay: %s",
            name,
            kind,
            shown,
            error,
        )

    async def replay(self) -> int:
        """Hand each listener the changes recorded for it (read again, consistently); the number it took.
        A listener that fails again keeps its changes for the next replay."""
        replayed = 0
        recorded = await self._store.pending(REPLAY_BATCH)
        for listener in self.listeners if recorded else ():
            name = listener_name(listener)
            pending = [change for change in recorded if change[0] == name]
            if not pending:
                continue
            product_ids = [key for _, kind, key in pending if kind == PRODUCT]
            category_ids = [key for _, kind, key in pending if kind == CATEGORY]
            records = [await self._store.get_product_record(i) for i in product_ids]
            categories = await self._store.get_categories(category_ids) if category_ids else []
            try:
                if any(records):
                    await listener.products_changed([r for r in records if r is not None])
                if any(categories):
                    await listener.categories_changed([c for c in categories if c is not None])
            except Exception as error:  # noqa: BLE001 - the changes stay recorded for the next replay
                log.warning("replaying %d catalog changes to %s failed again: %s", len(pending), name, error)
                continue
            await self._store.clear_pending(pending)
            log.info("replayed %d catalog changes to %s", len(pending), name)
            replayed += len(pending)
        return replayed


def _ids(records: Sequence[ProductRecord]) -> list[str]:
    return [r.product.id for r in records]
