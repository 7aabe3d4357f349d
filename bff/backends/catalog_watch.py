"""``CatalogWatch``: notice catalog writes made elsewhere (another process, another instance) and retire what
this process cached from before them.

A write through this process's catalog tells its listeners at once (``catalog_events``). A write by another
process on the same data (``bff import`` next to ``bff serve``, a second instance) cannot: the embedded
cache lives in each process's memory, and a shared one may have been unreachable when the writer tried to
invalidate it. So every store keeps a *generation* with the catalog, moved in the same transaction as every
write (SQLite: a row; DynamoDB: an item), and each process reads it at most once per ``interval`` seconds,
on the way into a request. When it moved:

* the cached whole responses are retired (a new response-cache generation, ``cache_generation``);
* when the cache is this process's own memory, the catalog read-through entries are dropped too (a shared
  cache was invalidated key by key by the writer, and ``CachedCatalogReads`` retries deletes that failed).

The watch also replays, at most once per ``replay_interval`` seconds (the first one interval after start)
and in the background (never on the request's time), the listener work that failed after a write and was
recorded in the catalog store (``ObservedCatalogStore.replay``): a search index that was down is caught up
once it answers again.

A retirement that fails (the shared cache is unreachable) leaves the last generation seen where it was, so
the next check retries it; the failure is logged once per outage, not once per request. The generation read
crosses the port boundary like any call (``catalog.generation`` in the process's totals) but belongs to no
request: it is not in any response's ``extensions.backendCalls``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable

from bff.backends.cache import Cache
from bff.backends.cache_generation import GenerationBump
from bff.backends.catalog import CatalogStore
from bff.backends.catalog_cache import CachedCatalogReads
from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.catalog_watch")


class CatalogWatch:
    def __init__(
        self,
        catalog: CatalogStore,
        cache: Cache,
        *,
        interval: float = 1.0,
        local_reads: CachedCatalogReads | None = None,
        clock: Callable[[], float] = time.monotonic,
        replay: Callable[[], Awaitable[int]] | None = None,
        replay_interval: float = 30.0,
    ) -> None:
        self._catalog = catalog
        self._responses = GenerationBump(cache)
        # Read-through entries in this process's memory: nobody else can drop them.
        self._local_reads = local_reads
        self._interval = interval
        self._clock = clock
        self._next_check = float("-inf")
        self._seen: int | None = None
        self._failing = False
        self._lock = asyncio.Lock()
        self.checks = 0  # generation reads: what tests count
        self.retirements = 0
        self._replay = replay if replay_interval > 0 else None
        self._replay_interval = replay_interval
        # The first replay one interval after start: a process starting up reads no more than it must.
        self._next_replay = clock() + replay_interval
        self.replaying: asyncio.Task[int] | None = None

    async def check(self) -> None:
        """Read the catalog's generation if ``interval`` has passed since the last read; retire on a move."""
        self._start_replay()
        if self._clock() < self._next_check or self._lock.locked():
            return  # checked recently, or a request is checking right now
        async with self._lock:
            self._next_check = self._clock() + self._interval
            self.checks += 1
            try:
                # A fresh context: the read belongs to the process, not to the request that happened by.
                current = await asyncio.create_task(self._catalog.generation(), context=contextvars.Context())
            except ServiceUnavailable as error:
                self._failed("the catalog's generation could not be read", error)
                return
            if self._seen is not None and current != self._seen:
                try:
                    await self._retire()
                except ServiceUnavailable as error:
                    self._failed("the catalog changed but cached responses could not be retired yet", error)
                    return
            if self._failing:
                log.info("catalog changes are noticed again")
                self._failing = False
            self._seen = current

    def _start_replay(self) -> None:
        if self._replay is None or self._clock() < self._next_replay:
            return
        if self.replaying is not None and not self.replaying.done():
            return
        self._next_replay = self._clock() + self._replay_interval
        # A fresh context: the replay belongs to the process, not to the request that happened by.
        self.replaying = asyncio.create_task(self._replayed(self._replay), context=contextvars.Context())

    @staticmethod
    async def _replayed(replay: Callable[[], Awaitable[int]]) -> int:
        try:
            return await replay()
        except Exception as error:  # noqa: BLE001 - the store failed: the changes stay recorded for the next run
            log.warning("replaying recorded catalog changes failed: %s", error)
            return 0

    async def close(self) -> None:
        """Wait for a replay under way (the app's shutdown)."""
        if self.replaying is not None:
            await self.replaying

    async def _retire(self) -> None:
        await self._responses.try_bump()
        if self._local_reads is not None:
            self._local_reads.forget_all()
        self.retirements += 1

    def _failed(self, what: str, error: ServiceUnavailable) -> None:
        if not self._failing:
            log.error("%s (retrying at every check until it works): %s", what, error)
            self._failing = True
