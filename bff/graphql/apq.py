"""Automatic Persisted Queries (Apollo's protocol) and the allow-list of a storefront's documents.

A client sends ``extensions.persistedQuery = {version: 1, sha256Hash}`` instead of the document; when the
hash is unknown it gets ``PersistedQueryNotFound`` and retries with hash and document, which registers it.
Registered documents live in the shared ``Cache`` port (every instance sees them) with a small in-process
LRU in front, so a hot document costs no cache round trip. In ``allowlist`` mode only the documents of the
manifest (``bff persisted-queries register``, Apollo's persisted query manifest format) run at all.
"""

from __future__ import annotations

import hmac
import logging
from collections import OrderedDict
from collections.abc import Mapping
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
    ) -> None:
        self.mode = mode
        self._cache = cache
        self._manifest = dict(manifest or {})
        self._ttl = ttl_seconds
        self._local: OrderedDict[str, str] = OrderedDict()
        self._local_size = local_size

    async def resolve(self, gql: GraphQLRequest) -> tuple[str | None, str | None]:
        """The document to run and its hash (``None`` when the caller should hash it itself)."""
        persisted = gql.extensions.get("persistedQuery") if self.mode != "off" else None
        if persisted is None:
            if self.mode == "allowlist" and gql.query is not None:
                digest = document_hash(gql.query)
                if digest not in self._manifest:
                    raise not_in_list()
                return gql.query, digest
            return gql.query, None
        digest = _requested_hash(persisted)
        if gql.query is not None:
            # Registration (or a client that always sends both): the hash must be the document's.
            if not hmac.compare_digest(document_hash(gql.query), digest):
                raise PersistedQueryError("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH", 400)
            if self.mode == "allowlist" and digest not in self._manifest:
                raise not_in_list()
            await self._register(digest, gql.query)
            return gql.query, digest
        query = await self._lookup(digest)
        if query is None:
            raise not_in_list() if self.mode == "allowlist" else not_found()
        return query, digest

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
        if digest in self._manifest or digest in self._local:
            return
        self._remember(digest, query)
        try:
            await self._cache.set_many({KEY_PREFIX + digest: query.encode()}, self._ttl)
        except ServiceUnavailable as error:
            log.warning("persisted query %s kept in this process only: %s", digest, error)

    def _remember(self, digest: str, query: str) -> None:
        self._local[digest] = query
        if len(self._local) > self._local_size:
            self._local.popitem(last=False)


def _requested_hash(persisted: Any) -> str:
    if not isinstance(persisted, dict):
        raise RequestError("`extensions.persistedQuery` must be an object")
    if persisted.get("version") != 1:
        raise PersistedQueryError("Unsupported persisted query version", "PERSISTED_QUERY_VERSION_UNSUPPORTED", 400)
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        raise RequestError("`extensions.persistedQuery.sha256Hash` must be a SHA-256 hex digest")
    return digest.lower()
