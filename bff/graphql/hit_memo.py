"""What a public GET's raw query string resolves to, remembered so a cache hit skips the work that found it.

A public GET reaches the response cache's key only after every step before it has passed: the request
parsed, the persisted query resolved, the document valid, the operation a query, its variables declared,
its cost within the limit, the operation public. Each of those is a function of the raw query string, the
``Accept`` header (the media type; GraphiQL's page for a browser) and the varying headers of
``BFF_RESPONSE_CACHE_VARY_HEADERS``, and of nothing else the request carries, so the endpoint remembers the
outcome under exactly those: the cache key and the calculated cost (``HitPlan``). The raw ASGI fast path
(``bff.graphql.hot_hits``) finds the plan for a request like it and answers a hit from the cache with no
parsing, no hashing and no Starlette. A miss there goes down the whole way as before; what it read from the
cache is handed on (``HandedOn``) so the cache is not read twice.

The memo is bounded (``MAX_PLANS`` plans, ``MAX_BYTES`` of request text; full, it starts over), remembers no
query string over ``MAX_QUERY_STRING_BYTES`` (such a request simply goes the whole way), and holds no
response, only keys and costs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bff.graphql.cost import QueryCost
from bff.graphql.throttle import ThrottleStatus

MAX_PLANS = 4096
MAX_BYTES = 4 * 1024 * 1024
# An APQ GET (a hash, variables) is a few hundred bytes; a long document sent in full is not remembered.
MAX_QUERY_STRING_BYTES = 4096
# Where the fast path leaves what it read on a miss: a key of the request's ASGI scope.
HANDED_ON = "bff.response_cache_read"

MemoKey = tuple[bytes, bytes, tuple[bytes, ...]]


@dataclass(frozen=True, slots=True)
class HitPlan:
    """A public GET's response cache key, the media type it is answered in, and its calculated cost."""

    key: str
    media_type: str
    cost: QueryCost | None


@dataclass(frozen=True, slots=True)
class HandedOn:
    """A fast-path miss: the key it read, the cache generation it saw, and the backend calls that took."""

    key: str
    generation: bytes | None
    calls: Counter[str]


def extensions_for(
    cost: QueryCost | None, throttle: ThrottleStatus | None, calls: Counter[str], expose_metrics: bool
) -> dict[str, Any] | None:
    """A response's ``extensions``: its cost, the client's rate-limit bucket, and (when exposed) backend calls."""
    extensions: dict[str, Any] = {"cost": cost.report()} if cost else {}
    if throttle is not None and "cost" in extensions:
        extensions["cost"]["throttleStatus"] = throttle.as_json()
    if expose_metrics:
        extensions["backendCalls"] = {"total": sum(calls.values()), **calls}
    return extensions or None


class HitMemo:
    """``(raw query string, Accept, varying headers) -> HitPlan`` for public GETs the endpoint has keyed."""

    def __init__(self, vary_headers: Sequence[str] = ()) -> None:
        self.vary_headers = tuple(h.lower().encode("latin-1") for h in vary_headers)
        self._plans: dict[MemoKey, HitPlan] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._plans)

    @property
    def size_bytes(self) -> int:
        """What the remembered requests' text takes (query strings, headers), roughly."""
        return self._bytes

    def learn(self, key: MemoKey, plan: HitPlan) -> None:
        if len(key[0]) > MAX_QUERY_STRING_BYTES or key in self._plans:
            return
        size = len(key[0]) + len(key[1]) + sum(len(v) for v in key[2]) + len(plan.key)
        if len(self._plans) >= MAX_PLANS or self._bytes + size > MAX_BYTES:
            self._plans.clear()
            self._bytes = 0
        self._plans[key] = plan
        self._bytes += size

    def find(self, key: MemoKey) -> HitPlan | None:
        return self._plans.get(key)

    def key_of_headers(self, query_string: bytes, headers: Sequence[tuple[bytes, bytes]]) -> MemoKey:
        """The memo key of a request: the first ``Accept`` and first of each varying header, as sent."""
        accept: bytes | None = None
        varying: dict[bytes, bytes] = {}
        for name, value in headers:
            if name == b"accept":
                if accept is None:
                    accept = value
            elif name in self.vary_headers and name not in varying:
                varying[name] = value
        return query_string, accept or b"", tuple(varying.get(h, b"") for h in self.vary_headers)
