"""The ``Cache`` port: a shared key/value cache of bytes with a TTL (Redis in AWS, in-process embedded).

Callers serialise; keys carry their own namespace and version (``catalog:v1:product:<id>``) so a change of
shape never reads an old entry. A cache is an optimisation: adapters raise
:class:`bff.errors.ServiceUnavailable` on failure and callers fall through to the source of truth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec


@runtime_checkable
class Cache(Protocol):
    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Values in key order, ``None`` where a key is absent or expired."""

    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: float, *, only_absent: bool = False) -> None:
        """Store ``items``; with ``only_absent``, each key only where it holds nothing (Redis ``SET NX``), so
        a value another process put there meanwhile (an invalidation marker, say) is kept."""

    async def delete_many(self, keys: Sequence[str]) -> None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


# Deletes and sets are idempotent too: repeating one leaves the cache as one call would.
CACHE: PortSpec[Cache] = PortSpec(
    Cache, "cache", idempotent=("get_many", "set_many", "delete_many", "ping"), optional=True
)
