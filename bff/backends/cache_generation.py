"""The cache generation: one token in the shared cache that every cached whole response is stamped with.

Any catalog write sets a new random generation (:class:`GenerationBump`, a catalog listener), which retires
every cached response at once; a missing generation counts as a new one, so an evicted generation can never
revive old entries. The response cache (``bff.graphql.response_cache``) reads it; the catalog's writers,
the app and ``bff import`` alike, bump it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence

from bff.backends.cache import Cache
from bff.domain.catalog import Category, ProductRecord, StockChange
from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.response_cache")

GENERATION_KEY = "resp:v1:generation"
GENERATION_TTL_SECONDS = 10 * 365 * 86_400


class GenerationBump:
    """Catalog listener: any product, stock or category change retires every cached response."""

    name = "responses"

    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    async def try_bump(self) -> bytes:
        """Start a new generation and return its token; ``ServiceUnavailable`` when the cache is unreachable."""
        token = secrets.token_hex(16).encode()
        await self._cache.set_many({GENERATION_KEY: token}, GENERATION_TTL_SECONDS)
        return token

    async def bump(self) -> bytes | None:
        """Start a new generation; its token, or ``None`` when the cache is unreachable (the catalog watch
        of every process retries: ``bff.backends.catalog_watch``)."""
        try:
            return await self.try_bump()
        except ServiceUnavailable as error:
            log.error("cached responses not invalidated after a catalog write: %s", error)
            return None

    async def products_changed(self, records: Sequence[ProductRecord]) -> None:
        await self.bump()

    async def stock_changed(self, change: StockChange) -> None:
        await self.bump()

    async def categories_changed(self, categories: Sequence[Category]) -> None:
        await self.bump()
