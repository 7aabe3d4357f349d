"""Automatic Persisted Queries (Apollo's protocol) and the allow-list of a storefront's documents.

A client sends ``extensions.persistedQuery = {version: 1, sha256Hash}`` instead of the document; when the
hash is unknown it gets ``PersistedQueryNotFound`` and retries with hash and document, which registers it.
Registered documents live in the shared ``Cache`` port (every instance sees them) with a small in-process
LRU in front, so a hot document costs no cache round trip. In ``allowlist`` mode only the documents of the
manifest (``bff persisted-queries register``, Apollo's persisted query manifest format) run at all.

What is stored is bounded: ``resolve`` only says what *would* be registered, and the endpoint calls
``Resolved.register`` once the document has parsed and validated, so no text that is not a valid document of
this schema is ever kept. A document over ``BFF_MAX_QUERY_BYTES`` (in UTF-8) is run but not stored, and one
process stores at most ``BFF_APQ_MAX_BYTES`` of new documents per ``BFF_APQ_TTL_SECONDS`` (a bucket that
refills steadily), so what it has stored and not yet expired is at most twice that; past it, documents run
but are not registered, and the client keeps sending them in full. The in-process LRU holds at most
``BFF_APQ_MAX_BYTES`` as well.
"""

from __future__ import annotations

import functools
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from bff.backends.cache import Cache
from bff.errors import ServiceUnavailable
from bff.graphql.documents import document_hash
from bff.graphql.http import GraphQLRequest, RequestError

log = logging.getLogger("bff.apq")

ApqMode = Literal["off", "auto", "allowlist"]
MANIFEST_FORMAT = "apollo-persisted-query-manifest"
KEY_PREFIX = "apq:v1:"


async def _nothing_to_register() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Resolved:
    """The document a request runs, its hash (``None``: hash it yourself), and what registers it once valid."""

    query: str | None
    digest: str | None
    register: Callable[[], Awaitable[None]] = _nothing_to_register


class PersistedQueryError(RequestError):
    """A persisted-query refusal: GraphQL-shaped, status 200, so Apollo's link can react to the code."""

    def __init__(self, message: str, code: str, status: int = 200) -> None:
        super().__init__(message, status=status)
        self.code = code  # type: ignore[misc]  # instance code: one class for the protocol's answers


def not_found() -> PersistedQueryError:
    return PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")


def not_in_list() -> PersistedQueryError:
    message = "the document is not in this server's persisted-query list"
    return PersistedQueryError(message, "PERSISTED_QUERY_NOT_IN_LIST")


def load_manifest(path: Path) -> dict[str, str]:
    """``sha256 -> document`` from an Apollo persisted query manifest; every id is checked against its body."""
    data = orjson.loads(path.read_bytes())
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{path}: not an {MANIFEST_FORMAT} file")
    documents: dict[str, str] = {}
    for operation in data.get("operations", []):
        body, digest = operation["body"], operation["id"]
        if document_hash(body) != digest:
            raise ValueError(f"{path}: operation {operation.get('name')!r} has an id that is not its body's sha256")
        documents[digest] = body
    return documents


class PersistedQueries:
    """Turns a request into ``(document, sha256)``, registering or refusing persisted queries by ``mode``."""

    def __init__(
        self,
        cache: Cache,
        *,
        mode: ApqMode = "auto",
        manifest: Mapping[str, str] | None = None,
        ttl_seconds: float = 86_400.0,
        local_size: int = 1024,
        max_query_bytes: int = 32_000,
        max_bytes: int = 8 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mode = mode
        self._cache = cache
        self._manifest = dict(manifest or {})
        self._ttl = ttl_seconds
        self._local: OrderedDict[str, str] = OrderedDict()
        self._local_size = local_size
        self._local_bytes = 0
        self._max_query_bytes = max_query_bytes
        self._max_bytes = max_bytes
        self._clock = clock
        self._allowance = float(max_bytes)  # bytes that may be registered now; refills max_bytes per ttl
        self._refilled_at = clock()
        self._over_budget = False

    async def resolve(self, gql: GraphQLRequest) -> Resolved:
        """The document to run, its hash, and (after a registration request) how to register it."""
        persisted = gql.extensions.get("persistedQuery") if self.mode != "off" else None
        if persisted is None:
            if self.mode == "allowlist" and gql.query is not None:
                digest = document_hash(gql.query)
                if digest not in self._manifest:
                    raise not_in_list()
                return Resolved(gql.query, digest)
            return Resolved(gql.query, None)
        digest = _requested_hash(persisted)
        if gql.query is not None:
            # Registration (or a client that always sends both): the hash must be the document's.
            if not hmac.compare_digest(document_hash(gql.query), digest):
                raise PersistedQueryError("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH", 400)
            if self.mode == "allowlist" and digest not in self._manifest:
                raise not_in_list()
            return Resolved(gql.query, digest, functools.partial(self._register, digest, gql.query))
        query = await self._lookup(digest)
        if query is None:
            raise not_in_list() if self.mode == "allowlist" else not_found()
        return Resolved(query, digest)

    async def _lookup(self, digest: str) -> str | None:
        query = self._manifest.get(digest) or self._local.get(digest)
        if query is not None:
            return query
        if self.mode == "allowlist":
            return None
        try:
            (stored,) = await self._cache.get_many([KEY_PREFIX + digest])
        except ServiceUnavailable as error:
            log.warning("persisted-query lookup skipped: %s", error)
            return None
        if stored is None:
            return None
        query = stored.decode()
        self._remember(digest, query)
        return query

    async def _register(self, digest: str, query: str) -> None:
        """Store a document that parsed and validated, within the size limit and the byte budget."""
        if digest in self._manifest or digest in self._local:
            return
        encoded = query.encode()
        if len(encoded) > self._max_query_bytes or not self._spend(len(encoded)):
            return
        self._remember(digest, query)
        try:
            await self._cache.set_many({KEY_PREFIX + digest: encoded}, self._ttl)
        except ServiceUnavailable as error:
            log.warning("persisted query %s kept in this process only: %s", digest, error)

    def _spend(self, size: int) -> bool:
        """Take ``size`` bytes from the registration budget, if it has them."""
        now = self._clock()
        refill = (now - self._refilled_at) * self._max_bytes / self._ttl
        self._allowance = min(float(self._max_bytes), self._allowance + refill)
        self._refilled_at = now
        if size > self._allowance:
            if not self._over_budget:
                log.warning("persisted-query registrations over BFF_APQ_MAX_BYTES: new documents run unregistered")
            self._over_budget = True
            return False
        self._allowance -= size
        self._over_budget = False
        return True

    def _remember(self, digest: str, query: str) -> None:
        self._local[digest] = query
        self._local_bytes += len(query)
        while self._local and (len(self._local) > self._local_size or self._local_bytes > self._max_bytes):
            _, dropped = self._local.popitem(last=False)
            self._local_bytes -= len(dropped)


def _requested_hash(persisted: Any) -> str:
    if not isinstance(persisted, dict):
        raise RequestError("`extensions.persistedQuery` must be an object")
    if persisted.get("version") != 1:
        raise PersistedQueryError("Unsupported persisted query version", "PERSISTED_QUERY_VERSION_UNSUPPORTED", 400)
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        raise RequestError("`extensions.persistedQuery.sha256Hash` must be a SHA-256 hex digest")
    return digest.lower()
