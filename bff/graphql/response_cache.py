"""Whole-response cache for public GET queries, with ``Cache-Control`` and ``ETag`` for CDNs and browsers.

An operation is public when every root field it selects is in ``PUBLIC_ROOT_FIELDS`` and no field anywhere
in the document is in ``PRIVATE_FIELDS``; the request must be an anonymous GET (no ``Authorization``), which
is what Apollo's persisted-query link sends with ``useGETForHashedQueries``. POSTs always execute: no HTTP
cache stores them either.

Entries live in the ``Cache`` port under the document hash + operation + variables + the varying headers,
each stamped with the cache *generation*. Any catalog write sets a new random generation
(``bff.backends.cache_generation``, a catalog listener), which retires every entry at once; a missing generation
counts as a new one, so an evicted generation can never revive old entries. Entries with errors are never
stored, nor are responses over ``BFF_RESPONSE_CACHE_MAX_ENTRY_BYTES``; entries expire after
``BFF_RESPONSE_CACHE_TTL_SECONDS``, and the ``Cache`` port bounds what all of them hold in bytes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from starlette.requests import Request
from starlette.responses import Response

from bff.backends.cache import Cache
from bff.backends.cache_generation import GENERATION_KEY, GenerationBump
from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.response_cache")

PREFIX = "resp:v1:"
# Root fields whose answer is the same for every anonymous shopper. A new capability adds its public fields.
PUBLIC_ROOT_FIELDS = frozenset(
    # `recommendations`: an anonymous list without a session or a cart is the same for everyone; with either,
    # the resolver marks the response private (bff.privacy).
    {"product", "products", "category", "categories", "node", "nodes", "search", "productRecommendations"}
    | {"recommendations"}
    | {"stores", "store", "__typename"}
)
# Fields whose answer depends on who asks, wherever they appear in a document.
PRIVATE_FIELDS = frozenset({"cart", "customer", "viewer", "me", "orders", "order", "personalized", "forYou"})


@dataclass(frozen=True, slots=True)
class CachedResponse:
    body: bytes  # ``{"data": ...}``, without extensions
    etag: str


def is_public(document: DocumentNode, operation_name: str | None) -> bool:
    """Whether the chosen operation selects only public root fields and the document no private field."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1:
        return False
    roots = _field_names(chosen[0].selection_set, fragments, deep=False)
    every = _field_names(chosen[0].selection_set, fragments, deep=True)
    return roots <= PUBLIC_ROOT_FIELDS and not (every & PRIVATE_FIELDS)


def _field_names(selections: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], deep: bool) -> set[str]:
    names: set[str] = set()
    pending, seen = [selections], set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
                if deep and selection.selection_set is not None:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return names


class ResponseCache:
    def __init__(
        self,
        cache: Cache,
        *,
        ttl_seconds: float,
        max_age: int,
        s_maxage: int,
        vary_headers: Sequence[str] = (),
        max_entry_bytes: int = 512 * 1024,
    ) -> None:
        self._cache = cache
        self._ttl = ttl_seconds
        self._max_entry_bytes = max_entry_bytes
        self._vary = tuple(h.lower() for h in vary_headers)
        self.cache_control = f"public, max-age={max_age}, s-maxage={s_maxage}"
        self._public: dict[tuple[str, str | None], bool] = {}
        self._outage = False  # logged once per outage, not once per request

    def _failed(self, what: str, error: ServiceUnavailable) -> None:
        if not self._outage:
            self._outage = True
            log.warning("response cache unavailable (%s), answering without it until it is back: %s", what, error)

    def _worked(self) -> None:
        if self._outage:
            self._outage = False
            log.info("response cache available again")

    def applies(self, request: Request, digest: str, document: DocumentNode, operation_name: str | None) -> bool:
        # `scope["user"]` is the verified caller (bff/authentication.py); a header alone already opts out.
        if request.method != "GET" or "authorization" in request.headers or request.scope.get("user") is not None:
            return False
        memo = (digest, operation_name)
        public = self._public.get(memo)
        if public is None:
            if len(self._public) > 4096:
                self._public.clear()
            public = self._public[memo] = is_public(document, operation_name)
        return public

    def key(self, request: Request, digest: str, operation_name: str | None, variables: Any, media_type: str) -> str:
        parts = [digest, operation_name or "", media_type, *(request.headers.get(h, "") for h in self._vary)]
        raw = orjson.dumps([parts, variables], option=orjson.OPT_SORT_KEYS)
        return PREFIX + hashlib.sha256(raw).hexdigest()

    async def get(self, key: str) -> tuple[CachedResponse | None, bytes | None]:
        """The entry under ``key`` if it is of the current generation, and that generation (for ``put``)."""
        try:
            stored, generation = await self._cache.get_many([key, GENERATION_KEY])
        except ServiceUnavailable as error:
            self._failed("read", error)
            return None, None
        self._worked()
        if generation is None:
            return None, await GenerationBump(self._cache).bump()
        if stored is None:
            return None, generation
        stamp, etag, body = stored.split(b"|", 2)
        return (CachedResponse(body, etag.decode()) if stamp == generation else None), generation

    async def put(self, key: str, body: bytes, generation: bytes | None) -> CachedResponse:
        """Store ``body`` stamped with the generation read before it was computed, so a write meanwhile wins."""
        entry = CachedResponse(body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')
        if generation is None or len(body) > self._max_entry_bytes:
            return entry
        try:
            await self._cache.set_many({key: b"|".join((generation, entry.etag.encode(), body))}, self._ttl)
        except ServiceUnavailable as error:
            self._failed("write", error)
        return entry

    def respond(
        self, request: Request, entry: CachedResponse, media_type: str, extensions: dict[str, Any] | None
    ) -> Response:
        etag = representation_tag(entry.etag, media_type)
        headers = {"Cache-Control": self.cache_control, "ETag": etag, "Vary": "Accept"}
        if matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        body = entry.body
        if extensions is not None:
            body = body[:-1] + b',"extensions":' + orjson.dumps(extensions) + b"}"
        return Response(body, 200, headers=headers, media_type=media_type)


def representation_tag(etag: str, media_type: str) -> str:
    """The tag of the body as sent in ``media_type``: one body, two media types, two representations."""
    suffix = "gql" if media_type.startswith("application/graphql-response") else "json"
    return f'{etag[:-1]}-{suffix}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags
