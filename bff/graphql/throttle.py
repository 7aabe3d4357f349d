"""Per-client rate limits spent in query cost, Shopify's model: a bucket of points that refills steadily.

Each request spends its calculated cost from its client's bucket (queries and mutations from separate
buckets); a request that costs more than is left is refused with HTTP 429, ``Retry-After`` and
``extensions.code = THROTTLED``, and every response reports ``extensions.cost.throttleStatus``. The bucket
is the ``limits`` library's sliding-window counter: ``capacity`` points per ``capacity / restore_rate``
seconds, which refills at ``restore_rate`` points a second and allows bursts up to ``capacity``. Counters
live in process memory, or in Redis when the shared cache is Redis so every instance spends from one bucket.

The client is the signed-in user's ``sub``; for anonymous callers, the address the request came from, or,
when that address is a trusted proxy, the nearest address in ``X-Forwarded-For`` that is not one, or the
buyer's address a server-side caller with the storefront's private token named.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from starlette.requests import Request

from bff.errors import BffError

log = logging.getLogger("bff.throttle")
# Where ``bff.storefront_api`` puts the shopper's address a trusted server-side caller named.
BUYER_IP_SCOPE_KEY = "bff.buyer_ip"


class Throttled(BffError):
    code = "THROTTLED"


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    """``extensions.cost.throttleStatus``: the bucket after this request."""

    maximum_available: int
    currently_available: int
    restore_rate: int

    def as_json(self) -> dict[str, Any]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


@dataclass(frozen=True, slots=True)
class Bucket:
    capacity: int
    restore_rate: int

    def item(self, namespace: str) -> RateLimitItemPerSecond:
        seconds = max(1, math.ceil(self.capacity / self.restore_rate))
        return RateLimitItemPerSecond(self.capacity, seconds, namespace=namespace)


class Throttle:
    """Spends request costs from per-client buckets; fails open (and says so once) when Redis is away."""

    def __init__(self, storage: Storage, queries: Bucket, mutations: Bucket) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._storage = storage
        self._buckets = {False: (queries, queries.item("q")), True: (mutations, mutations.item("m"))}
        self._failing = False

    @classmethod
    def from_url(cls, redis_url: str | None, queries: Bucket, mutations: Bucket) -> Throttle:
        storage: Storage
        if redis_url:
            uri = redis_url.replace("redis://", "async+redis://", 1)
            storage = RedisStorage(uri, implementation="redispy", wrap_exceptions=True, socket_timeout=0.25)
        else:
            storage = MemoryStorage()
        return cls(storage, queries, mutations)

    async def spend(self, client: str, cost: int, mutation: bool) -> ThrottleStatus:
        """Take ``cost`` points from ``client``'s bucket; ``Throttled`` when it does not hold that many."""
        bucket, item = self._buckets[mutation]
        if cost > bucket.capacity:  # never affordable: the cost limit refuses such documents first
            cost = bucket.capacity
        try:
            allowed = await self._limiter.hit(item, client, cost=max(cost, 1))
            stats = await self._limiter.get_window_stats(item, client)
        except StorageError as error:  # a limiter that cannot count must not take the store down with it
            if not self._failing:
                log.error("rate limits not enforced: their storage failed: %r", error)
            self._failing = True
            return ThrottleStatus(bucket.capacity, bucket.capacity, bucket.restore_rate)
        if self._failing:
            log.warning("rate limits enforced again")
            self._failing = False
        status = ThrottleStatus(bucket.capacity, max(0, stats.remaining), bucket.restore_rate)
        if not allowed:
            wait = max(1, math.ceil((cost - status.currently_available) / bucket.restore_rate))
            raise Throttled(
                f"throttled: this request costs {cost} points and {status.currently_available} are available; "
                f"{bucket.restore_rate} are restored every second",
                retryAfterSeconds=wait,
                cost={"requestedQueryCost": cost, "throttleStatus": status.as_json()},
            )
        return status

    async def close(self) -> None:
        # The memory storage runs an expiry task; the Redis storage holds a client with a connection pool.
        timer = getattr(self._storage, "timer", None)
        if timer is not None and not timer.done():
            timer.cancel()
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()


def _trusted(address: str, proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request, proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str:
    """The client's address: the peer's, or through trusted proxies the nearest ``X-Forwarded-For`` hop that is
    not one of them (at most 64 characters). A server-side caller with the storefront's private token names
    the shopper's address itself (``Shopify-Storefront-Buyer-IP``, checked in ``bff.storefront_api``)."""
    buyer = request.scope.get(BUYER_IP_SCOPE_KEY)
    if isinstance(buyer, str):
        return buyer[:64]
    address = request.client.host if request.client else "unknown"
    if proxies and _trusted(address, proxies):
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):
            address = hop
            if not _trusted(hop, proxies):
                break
    return address[:64]


def client_key(request: Request, proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str:
    """Who spends: ``user:<sub>`` when signed in, else ``ip:<address>`` (through trusted proxies only)."""
    user = request.scope.get("user")
    if user is not None:
        return f"user:{user.subject}"
    return f"ip:{client_address(request, proxies)}"
