"""``MemoryCache``: the embedded ``Cache``, an in-process LRU bounded in bytes, with per-entry expiry.

What it may hold is counted in bytes (``BFF_MEMORY_CACHE_MAX_BYTES``): keys, values and a fixed allowance
per entry for what Python spends around them. Writes evict the least recently used entries past the bound,
and every expired entry as its time comes (a heap of expiry times), so an entry nobody reads again does not
sit in memory until it happens to be the oldest. A value larger than the whole bound is not stored.
"""

from __future__ import annotations

import heapq
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Roughly what one entry costs besides its key's and value's bytes: the dict slot, the (expiry, value)
# tuple, the float, the heap's (expiry, key) tuple, the objects' headers.
ENTRY_OVERHEAD = 200


def entry_size(key: str, value: bytes) -> int:
    return len(key) + len(value) + ENTRY_OVERHEAD


class MemoryCache:
    def __init__(
        self,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        # (expires, key) for every entry written; items of overwritten or deleted entries are skipped on pop
        self._expiries: list[tuple[float, str]] = []
        self._max = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._clock = clock

    @property
    def bytes_held(self) -> int:
        """What the entries held now count for against ``max_bytes``."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        now = self._clock()
        found: list[bytes | None] = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                if entry is not None:
                    self._drop(key)
                found.append(None)
                continue
            self._entries.move_to_end(key)
            found.append(entry[1])
        return found

    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: float, *, only_absent: bool = False) -> None:
        now = self._clock()
        expires = now + ttl_seconds
        for key, value in items.items():
            if only_absent and (held := self._entries.get(key)) is not None and held[0] > now:
                continue
            self._drop(key)
            size = entry_size(key, value)
            if size > self._max_bytes:
                continue
            self._entries[key] = (expires, value)
            self._bytes += size
            heapq.heappush(self._expiries, (expires, key))
        self._evict(now)

    async def delete_many(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._drop(key)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()
        self._expiries.clear()
        self._bytes = 0

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry_size(key, entry[1])

    def _evict(self, now: float) -> None:
        """Expired entries first, then the least recently used past either bound."""
        expiries = self._expiries
        while expiries and expiries[0][0] <= now:
            expires, key = heapq.heappop(expiries)
            entry = self._entries.get(key)
            if entry is not None and entry[0] == expires:
                self._drop(key)
        while len(self._entries) > self._max or self._bytes > self._max_bytes:
            key, (_, value) = self._entries.popitem(last=False)
            self._bytes -= entry_size(key, value)
        if len(expiries) > 2 * len(self._entries) + 1024:
            # Overwrites and evictions leave stale heap items behind: rebuild from the live entries.
            self._expiries = [(expires, key) for key, (expires, _) in self._entries.items()]
            heapq.heapify(self._expiries)
