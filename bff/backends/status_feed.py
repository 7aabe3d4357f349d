"""The ``StatusFeed`` port: order status changes fanned out to subscribers (``orderStatusChanged``).

Whoever moves an order (the app's worker, a ``bff worker`` process, a cancel) publishes the change; every BFF
instance holding a subscription for that order hears it. With Redis (``BFF_CACHE=redis``) the change goes
through Redis pub/sub, so any instance can serve a subscriber whatever process moved the order; embedded, an
in-process fan-out serves the subscribers of the process that moved it (the app's own worker).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.orders import Notification, OrderStatus

log = logging.getLogger("bff.orders.feed")
# Events a slow subscriber may have waiting before the oldest are dropped.
QUEUE_BOUND = 64


@runtime_checkable
class StatusFeed(Protocol):
    async def publish(self, event: Notification) -> None:
        """Tell every subscriber of ``event.order_id``."""

    async def subscribe(self, order_id: str) -> AsyncIterator[Notification]:
        """The order's status changes from now on, until the iterator is closed."""

    async def close(self) -> None: ...


FEED: PortSpec[StatusFeed] = PortSpec(StatusFeed, "status_feed", optional=True)


def _encode(event: Notification) -> str:
    return json.dumps(
        {"orderId": event.order_id, "status": event.status.value, "at": event.at.isoformat(), "message": event.message}
    )


def _decode(raw: str | bytes) -> Notification:
    data: dict[str, Any] = json.loads(raw)
    return Notification(
        data["orderId"], OrderStatus(data["status"]), datetime.fromisoformat(data["at"]), data["message"]
    )


class _Queue:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Notification] = asyncio.Queue(QUEUE_BOUND)

    def put(self, event: Notification) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)


class MemoryStatusFeed:
    """The ``StatusFeed`` port within one process."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[_Queue]] = defaultdict(set)

    async def publish(self, event: Notification) -> None:
        for subscriber in list(self._subscribers.get(event.order_id, ())):
            subscriber.put(event)

    async def subscribe(self, order_id: str) -> AsyncIterator[Notification]:
        return self._events(order_id, _Queue())

    async def _events(self, order_id: str, mine: _Queue) -> AsyncIterator[Notification]:
        self._subscribers[order_id].add(mine)
        try:
            while True:
                yield await mine.queue.get()
        finally:
            self._subscribers[order_id].discard(mine)
            if not self._subscribers[order_id]:
                del self._subscribers[order_id]

    async def close(self) -> None:
        return None


class RedisStatusFeed:
    """The ``StatusFeed`` port over Redis pub/sub (channel ``orders:status:<order id>``)."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    @classmethod
    def from_url(cls, url: str) -> RedisStatusFeed:
        import redis.asyncio as aioredis

        return cls(aioredis.Redis.from_url(url))

    @staticmethod
    def channel(order_id: str) -> str:
        return f"orders:status:{order_id}"

    async def publish(self, event: Notification) -> None:
        await self.redis.publish(self.channel(event.order_id), _encode(event))

    async def subscribe(self, order_id: str) -> AsyncIterator[Notification]:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel(order_id))  # subscribed before returning: no change is missed after
        return self._events(pubsub)

    async def _events(self, pubsub: Any) -> AsyncIterator[Notification]:
        try:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    yield _decode(message["data"])
        finally:
            await pubsub.aclose()

    async def close(self) -> None:
        await self.redis.aclose()
