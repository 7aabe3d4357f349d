"""``RedisCache``: the ``Cache`` port on Redis (ElastiCache in AWS) through ``redis.asyncio``.

Reads are one MGET, writes one pipeline of ``SET .. PX`` (no MULTI: entries are independent), deletes one
UNLINK. Short socket timeouts keep a slow Redis from holding a request: every failure, refused connection
or timeout alike, is ``ServiceUnavailable``, and callers read the store instead. The client does not retry:
deadline, retries and breaker are the port boundary's (``bff.backends.policy``). MGET needs every key on one
node: ElastiCache in cluster-mode-disabled (a primary and replicas), as ``infra/service.yaml`` deploys it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeout

from bff.errors import ServiceUnavailable

FAILURES = (RedisError, OSError, TimeoutError)


def _unavailable(exc: BaseException) -> ServiceUnavailable:
    reason = "timeout" if isinstance(exc, TimeoutError | RedisTimeout) else "unavailable"
    return ServiceUnavailable(f"cache unavailable: {exc}", service="redis", reason=reason)


class RedisCache:
    def __init__(self, client: Redis) -> None:
        self._client = client

    @classmethod
    def from_url(cls, url: str, timeout_seconds: float = 0.25, max_connections: int = 64) -> RedisCache:
        client = Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            max_connections=max_connections,
            # The port boundary's policy is the one retry layer (redis-py would retry a refused connection
            # ten times, with backoff, by default).
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            values = await self._client.mget(keys)
        except FAILURES as exc:
            raise _unavailable(exc) from exc
        return [v.encode() if isinstance(v, str) else v for v in values]

    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: float, *, only_absent: bool = False) -> None:
        if not items:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(key, value, px=max(1, int(ttl_seconds * 1000)), nx=only_absent)
                await pipe.execute()
        except FAILURES as exc:
            raise _unavailable(exc) from exc

    async def delete_many(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        try:
            await self._client.unlink(*keys)
        except FAILURES as exc:
            raise _unavailable(exc) from exc

    async def ping(self) -> None:
        try:
            await self._client.ping()
        except FAILURES as exc:
            raise _unavailable(exc) from exc

    async def close(self) -> None:
        await self._client.aclose()
