"""In-process turns for writes to one cart: concurrent changes to a cart within a process wait for each other
instead of all reading the same version and all but one losing their conditional write.

This only saves round trips: correctness comes from the store's conditional write on the version, which
still decides between processes (a lost write is retried against fresh state, ``bff.services.cart_edit``).
A lock exists while somebody holds or waits for it (a weak mapping), so idle carts cost nothing.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class CartLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def turn(self, cart_id: str) -> AsyncIterator[None]:
        """Hold the cart's turn in this process for the block."""
        lock = self._locks.get(cart_id)
        if lock is None:
            lock = self._locks[cart_id] = asyncio.Lock()
        async with lock:
            yield
