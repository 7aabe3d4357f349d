"""``WriteBehind``: cache writes that do not hold up the read that made them, and never pile up.

A read-through that missed answers from the store at once and stores what it read in the background: the
request does not wait a cache round trip for a write it does not need. At most ``limit`` writes are pending;
past that a write is awaited where it is made, so a slow cache slows the misses instead of growing a queue
of tasks. A key's pending write can be waited for (:meth:`WriteBehind.settle`): an invalidation deletes a
key only once the write storing it has landed, so a stale value is never written after its delete.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from functools import partial

log = logging.getLogger("bff.cache")

DEFAULT_LIMIT = 64


class WriteBehind:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: dict[str, asyncio.Task[None]] = {}  # cache key -> the write storing it

    def __len__(self) -> int:
        return len(self._tasks)

    async def write(self, keys: Collection[str], write: Callable[[], Awaitable[None]]) -> None:
        """``write()`` (which stores ``keys``) in the background; awaited here when ``limit`` are pending."""
        if len(self._tasks) >= self._limit:
            await self.settle(keys)  # a write in the background for one of these keys lands first
            await write()
            return
        task = asyncio.ensure_future(write())
        self._tasks.add(task)
        for key in keys:
            self._pending[key] = task
        task.add_done_callback(partial(self._done, tuple(keys)))

    def _done(self, keys: tuple[str, ...], task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        for key in keys:
            if self._pending.get(key) is task:
                del self._pending[key]
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("a cache write failed: %r", error)

    async def settle(self, keys: Iterable[str]) -> None:
        """Wait for the pending writes of ``keys``."""
        tasks = {task for key in keys if (task := self._pending.get(key)) is not None}
        if tasks:
            await asyncio.wait(tasks)

    async def flush(self) -> None:
        """Wait for every pending write (before the cache closes)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))
