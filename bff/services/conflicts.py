"""Optimistic concurrency: a read-modify-write retried against fresh state when its conditional write loses.

Every use case that changes stored state follows the same shape (products now; carts next):

1. read the current state with its version (a strongly consistent read, never a cache),
2. apply the change to it (the rules in ``bff.domain``),
3. write it back on the condition that the version is still the one read (the port raises ``Conflict``).

When step 3 loses, another write came first: :func:`retry_on_conflict` starts again from step 1, a bounded
number of times with full-jitter backoff between tries (contending writers spread out instead of colliding
again in lockstep). When the tries run out, ``Conflict`` reaches the use case, which answers a ``CONFLICT``
userError: a change is applied or refused, never silently lost.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bff.errors import Conflict

T = TypeVar("T")

# A record a storefront or an admin may change from many places at once (a cart from several tabs, a product
# from a bulk script): enough tries, each wait bounded, that 50 concurrent changes of one record all land.
ATTEMPTS = 24
BASE_DELAY_SECONDS = 0.005
MAX_DELAY_SECONDS = 0.25


async def retry_on_conflict(
    attempt: Callable[[], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    base_delay: float = BASE_DELAY_SECONDS,
    max_delay: float | None = MAX_DELAY_SECONDS,
) -> T:
    """``attempt()`` (read, change, conditional write), tried again on ``Conflict`` up to ``attempts`` times;
    the wait between tries grows up to ``max_delay`` (None: without bound)."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for tried in range(1, attempts + 1):
        try:
            return await attempt()
        except Conflict:
            if tried == attempts:
                raise
            # Full jitter: a random wait up to base * 2^(tries - 1).
            ceiling = base_delay * 2 ** (tried - 1)
            if max_delay is not None:
                ceiling = min(ceiling, max_delay)
            await asyncio.sleep(random.uniform(0, ceiling))  # noqa: S311 - not crypto
    raise AssertionError("unreachable")
