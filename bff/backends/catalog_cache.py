"""``CachedCatalogReads``: the catalog's by-key reads through the shared ``Cache`` (Redis in AWS).

Products, categories and each product's variants are read through: one ``get_many`` (MGET) per batch, the
misses fetched from the store in one call and written back with a TTL (one pipelined ``set_many``, in the
background: the read answers without waiting for it, ``bff.backends.cache_writes``); absent
keys are cached too, briefly, so a crawler asking for missing ids does not reach the store every time.
Concurrent misses for one key, from any request, share one fetch (no stampede). Keys carry the codec's
version, so a new shape never decodes an old value.

It is also a ``CatalogListener``: a catalog write invalidates exactly the keys it touched (for categories,
the subtree under them, whose ancestors the store recomputes; for a stock change, the variant lists of its
products, and the products whose availability crossed zero). An invalidated key holds a marker for
``invalidated_ttl_seconds`` instead of being deleted, and a write-back only fills a key that holds nothing
(``SET NX``): a server whose store read began before another server's write, and whose write-back lands
after that server's invalidation, leaves the marker in place instead of caching what it read. Until the
marker expires that key is read from the store (longer than a store read and a cache write can take, under
their deadlines). An invalidation that fails is kept and retried before
the cache is read again; until it succeeds every read goes to the store, so a write during an outage never
leaves a stale entry to be served afterwards. When the cache fails or is slow the read falls through to the
store, ``bff.metrics`` counts it, the response carries a ``DEGRADED`` warning (``bff.degradation``) and a
warning is logged once per outage, not per failure; the cache port's circuit breaker
(``bff.backends.policy``) makes an outage cost a few timeouts, not one per request.
``forget_all`` drops every entry at once (a new key namespace): the catalog watch calls it when another
process changed the catalog and the cache is this process's memory.

Decoded values are remembered by their bytes, and product ids by handle, so a product page's product is
read through the cache by id like any other (``bff.backends.catalog_memos``).

With ``hydrate_listings`` (a remote store, DynamoDB), a product listing asks the store for the page's
product ids only and reads the products through the cache like any by-id read: a listing read twice
reads its entries twice and its products once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from bff import degradation
from bff.backends import catalog_codec as codec
from bff.backends.cache import Cache
from bff.backends.cache_writes import WriteBehind
from bff.backends.catalog import CatalogReader
from bff.backends.catalog_delegate import CatalogReadDelegate
from bff.backends.catalog_memos import DecodedValues, HandleIds
from bff.backends.catalog_tree import hydrate
from bff.domain.catalog import (
    Category,
    Page,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    StockChange,
    Variant,
)
from bff.errors import ServiceUnavailable
from bff.metrics import record_degraded

log = logging.getLogger("bff.cache")

R = TypeVar("R")
# Each kind of entry: the type its values decode to, and how many decoded values are remembered.
KINDS: dict[str, tuple[Any, int]] = {
    "product": (Product | None, 5_000),
    "variants": (list[Variant], 5_000),
    "category": (Category | None, 2_000),
}
# Product ids remembered by handle.
HANDLES = 20_000
# What an invalidated key holds (no encoded value starts with a NUL byte): a read counts it as a miss.
INVALIDATED = b"\x00invalidated"
Fetch = Callable[[Sequence[str]], Awaitable[list[R]]]


class CachedCatalogReads(CatalogReadDelegate):
    """A ``CatalogReader`` whose product, category and variant-list reads go through ``cache``."""

    def __init__(
        self,
        store: CatalogReader,
        cache: Cache,
        ttl_seconds: float = 300.0,
        negative_ttl_seconds: float = 30.0,
        *,
        invalidated_ttl_seconds: float = 30.0,
        hydrate_listings: bool = False,
    ) -> None:
        super().__init__(store)
        self._hydrate_listings = hydrate_listings
        self._cache = cache
        self._ttl = ttl_seconds
        self._negative_ttl = negative_ttl_seconds
        self._invalidated_ttl = invalidated_ttl_seconds
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._dirty: set[str] = set()
        # Keys a write could not invalidate: invalidated before the cache is read again.
        self._unmarked: set[str] = set()
        self._outage = False
        self._epoch = 0
        self._changes = 0  # invalidations so far: a read that saw none meanwhile may cache what it read
        self._decoded = {kind: DecodedValues(partial(codec.decode, tp), size) for kind, (tp, size) in KINDS.items()}
        self._handle_ids = HandleIds(HANDLES)
        self._writes = WriteBehind()
        # lookups = keys asked of the cache; hits + misses = lookups; coalesced = keys served by another's fetch
        self.stats: Counter[str] = Counter()

    @staticmethod
    def key(kind: str, key: str, epoch: int = 0) -> str:
        namespace = codec.CODEC_VERSION if not epoch else f"{codec.CODEC_VERSION}.{epoch}"
        return f"catalog:{namespace}:{kind}:{key}"

    def _key(self, kind: str, key: str) -> str:
        return self.key(kind, key, self._epoch)

    async def flush(self) -> None:
        """Wait for the cache writes still under way (before the cache closes)."""
        await self._writes.flush()

    def forget_all(self) -> None:
        """Drop every entry: later reads use a new namespace (the old entries age out of the cache)."""
        self._epoch += 1
        self._unmarked.clear()
        self._handle_ids.clear()

    async def get_products(self, ids: Sequence[str]) -> list[Product | None]:
        return await self._read("product", ids, self._store.get_products)

    async def get_products_by_handle(self, handles: Sequence[str]) -> list[Product | None]:
        """By the id each handle led to before, through the cache; the store for the others (and remembered)."""
        found: dict[str, Product | None] = {}
        known = {h: i for h in dict.fromkeys(handles) if (i := self._handle_ids.get(h)) is not None}
        if known:
            for (handle, product_id), product in zip(
                known.items(), await self.get_products(list(known.values())), strict=True
            ):
                if product is not None and product.handle == handle:
                    found[handle] = product
                else:  # renamed or removed since: the store says what the handle names now
                    self._handle_ids.forget_handles([handle])
                    self._handle_ids.forget_products([product_id])
        rest = [h for h in dict.fromkeys(handles) if h not in found]
        if rest:
            epoch, changes = self._epoch, self._changes
            named: dict[str, Product | None] = {}
            for handle, product in zip(rest, await self._store.get_products_by_handle(rest), strict=True):
                found[handle] = product
                if product is not None:
                    named[product.id] = product
                    self._handle_ids.remember(handle, product.id)
            if (epoch, changes) == (self._epoch, self._changes):  # no write meanwhile: cached as a read by id
                await self._write("product", named, epoch)
        return [found[h] for h in handles]

    async def list_products(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[Product]:
        if not self._hydrate_listings:
            return await self._store.list_products(query, sort, reverse, page)
        return await hydrate(await self._store.list_product_ids(query, sort, reverse, page), self.get_products)

    async def get_categories(self, ids: Sequence[str]) -> list[Category | None]:
        return await self._read("category", ids, self._store.get_categories)

    async def get_variants_by_product(self, product_ids: Sequence[str]) -> list[list[Variant]]:
        return await self._read("variants", product_ids, self._store.get_variants_by_product)

    # -- read-through with coalescing -----------------------------------------------------------------

    async def _read(self, kind: str, keys: Sequence[str], fetch: Fetch[R]) -> list[R]:
        loop = asyncio.get_running_loop()
        owned: dict[str, asyncio.Future[Any]] = {}
        waiting: dict[str, asyncio.Future[Any]] = {}
        flight = {k: self._key(kind, k) for k in dict.fromkeys(keys)}
        for k, flight_key in flight.items():
            future = self._inflight.get(flight_key)
            if future is None:
                owned[k] = self._inflight[flight_key] = loop.create_future()
            else:
                waiting[k] = future
        self.stats["coalesced"] += len(waiting)
        results: dict[str, Any] = {}
        try:
            if owned:
                results.update(await self._fill(kind, list(owned), fetch))
                for k, future in owned.items():
                    future.set_result(results[k])
        except BaseException as exc:
            for future in owned.values():
                if not future.done():
                    future.set_exception(exc)
                    future.exception()  # retrieved: no "never retrieved" log when nobody else waits
            raise
        finally:
            for k in owned:
                self._inflight.pop(flight[k], None)
        for k, future in waiting.items():
            results[k] = await asyncio.shield(future)
        return [results[k] for k in keys]

    async def _fill(self, kind: str, keys: list[str], fetch: Fetch[R]) -> dict[str, Any]:
        epoch = self._epoch
        cache_keys = [self.key(kind, k, epoch) for k in keys]
        found: dict[str, Any] = {}
        self.stats["lookups"] += len(keys)
        for k, raw in zip(keys, await self._cache_get(cache_keys), strict=True):
            if raw is not None and raw != INVALIDATED:
                found[k] = self._decoded[kind](raw)
        self.stats["hits"] += len(found)
        misses = [k for k in keys if k not in found]
        self.stats["misses"] += len(misses)
        if not misses:
            return found
        fetched = dict(zip(misses, await fetch(misses), strict=True))
        found.update(fetched)
        if epoch == self._epoch:  # else everything was dropped while we fetched: our values may predate why
            await self._write(kind, fetched, epoch)
        return found

    async def _write(self, kind: str, fetched: dict[str, Any], epoch: int) -> None:
        fresh: dict[str, bytes] = {}
        absent: dict[str, bytes] = {}
        for k, value in fetched.items():
            cache_key = self.key(kind, k, epoch)
            if cache_key in self._dirty:  # written while we fetched: our value may predate the write
                self._dirty.discard(cache_key)
                continue
            (fresh if value else absent)[cache_key] = codec.encode(value)
        if fresh or absent:
            await self._writes.write([*fresh, *absent], partial(self._cache_set_both, fresh, absent))

    async def _cache_set_both(self, fresh: dict[str, bytes], absent: dict[str, bytes]) -> None:
        await self._cache_set(fresh, self._ttl)
        await self._cache_set(absent, self._negative_ttl)

    # -- the cache, failing soft ----------------------------------------------------------------------

    def _degraded(self, operation: str, exc: ServiceUnavailable) -> None:
        record_degraded(f"cache.{operation}")
        degradation.warn("cache", exc)
        if not self._outage:
            self._outage = True
            log.warning("cache %s failed, reading the catalog store directly until it works: %s", operation, exc)

    def _recovered(self) -> None:
        if self._outage:
            self._outage = False
            log.info("cache reachable again; catalog reads go through it")

    async def _cache_get(self, keys: list[str]) -> list[bytes | None]:
        try:
            if self._unmarked:  # a write's invalidation failed: finish it before trusting the cache
                pending = list(self._unmarked)
                await self._mark(pending)
                self._unmarked.difference_update(pending)
            found = await self._cache.get_many(keys)
            self._recovered()
            return found
        except ServiceUnavailable as exc:
            self._degraded("get_many", exc)
        return [None] * len(keys)

    async def _cache_set(self, values: dict[str, bytes], ttl: float) -> None:
        if values and not self._unmarked:
            try:
                await self._cache.set_many(values, ttl, only_absent=True)
            except ServiceUnavailable as exc:
                self._degraded("set_many", exc)

    async def _forget(self, keys: list[str]) -> None:
        self._changes += 1
        self._dirty.update(k for k in keys if k in self._inflight)
        await self._writes.settle(keys)  # a value written in the background lands before its marker
        try:
            await self._mark(keys)
        except ServiceUnavailable as exc:
            # Invalidated before the next read of the cache (``_cache_get``); the store answers until then.
            self._unmarked.update(keys)
            self._degraded("set_many", exc)

    async def _mark(self, keys: list[str]) -> None:
        await self._cache.set_many(dict.fromkeys(keys, INVALIDATED), self._invalidated_ttl)

    # -- CatalogListener ------------------------------------------------------------------------------

    name = "catalog-cache"

    async def products_changed(self, records: Sequence[ProductRecord]) -> None:
        ids = [r.product.id for r in records]
        self._handle_ids.forget_products(ids)
        self._handle_ids.forget_handles(r.product.handle for r in records)
        await self._forget([self._key(kind, i) for i in ids for kind in ("product", "variants")])

    async def stock_changed(self, change: StockChange) -> None:
        keys = [self._key("variants", i) for i in change.product_ids]
        keys += [self._key("product", r.product.id) for r in change.flipped]
        await self._forget(keys)

    async def categories_changed(self, categories: Sequence[Category]) -> None:
        touched: list[str] = []
        level = list(dict.fromkeys(c.id for c in categories))
        while level:
            touched += level
            children = await self._store.get_child_categories(level)
            level = [c.id for group in children for c in group if c.id not in touched]
        await self._forget([self._key("category", i) for i in touched])
