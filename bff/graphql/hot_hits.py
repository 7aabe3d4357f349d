"""Cache hits served from raw ASGI, before Starlette and its middleware, with the same answer.

A public GET the endpoint has keyed before (``bff.graphql.hit_memo``) is looked up by its raw query string:
the catalog watch runs, the response cache is read, the client's rate-limit bucket pays the cost, and the
cached body goes out with every header the whole way sends: ``Cache-Control``, ``ETag`` (``304`` on
``If-None-Match``), ``Vary``, CORS, gzip (the entry's body compressed once, each response's
``extensions`` appended as a stored block of the same gzip stream), the security headers,
``X-Request-Id``, and the access log's line. ``tests/test_hot_hits.py`` compares it with the whole way,
header by header (a gzipped body by its decoded bytes: it is compressed in two parts).

Anything else goes the whole way: a request with ``Authorization`` or a body, one not seen before, a miss
(what it read is handed on, so the cache is read once), a client over its rate limit (the whole way answers
the 429), and every request while tracing is on (the whole way opens the request's span).
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import zlib
from collections import Counter

import orjson
from starlette.requests import Request
from starlette.types import Scope, Send

from bff import logs, metrics
from bff.graphql.endpoint import GraphQLEndpoint
from bff.graphql.hit_memo import HANDED_ON, HandedOn, HitPlan, extensions_for
from bff.graphql.response_cache import CachedResponse, ResponseCache, matches, representation_tag
from bff.graphql.throttle import Throttled, ThrottleStatus, client_key
from bff.middleware import REQUEST_ID, access_log, request_id_for, security_headers
from bff.settings import Settings

log = logging.getLogger("bff.graphql")

PATH = "/graphql"
# Bodies compressed once per entry (each as large as its compressed body).
MAX_COMPRESSED = 256
# A gzip member's header: deflate, no name, no time, best compression, unknown OS (RFC 1952).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
STORED_BLOCK_BYTES = 65_535
# Starlette's GZip compresses bodies from this size on a worker thread; the fast path does too (once).
THREAD_MINIMUM_BYTES = 128 * 1024
# A body's start compressed: the gzip header and raw deflate to a byte boundary, its CRC-32, its length.
Deflated = tuple[bytes, int, int]
_REFUSING = frozenset({b"authorization", b"content-length", b"transfer-encoding"})


class HotHits:
    """The fast path of cache hits; ``answer`` says whether it answered (else the app runs as ever)."""

    def __init__(
        self, endpoint: GraphQLEndpoint, settings: Settings, *, gzip_minimum: int, gzip_level: int = 9
    ) -> None:
        assert endpoint.responses is not None
        self.endpoint = endpoint
        self.responses: ResponseCache = endpoint.responses
        self.memo = endpoint.hits
        self.expose_metrics = settings.expose_metrics
        self.proxies = settings.trusted_proxies
        self.cache_control = self.responses.cache_control.encode("latin-1")
        self.cors_any = "*" in settings.cors_origins
        self.cors_origins = frozenset(o.encode("latin-1") for o in settings.cors_origins)
        self.security = security_headers(hsts=settings.is_production)
        self.gzip_minimum = gzip_minimum
        self.gzip_level = gzip_level
        self._compressed: dict[str, Deflated] = {}

    async def answer(self, scope: Scope, send: Send) -> bool:
        if scope["method"] != "GET" or scope["path"] != PATH or not scope["query_string"]:
            return False
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if any(name in _REFUSING for name, _ in headers):
            return False
        plan = self.memo.find(self.memo.key_of_headers(scope["query_string"], headers))
        if plan is None:
            return False
        started = time.perf_counter()
        request_id = request_id_for(headers)
        scope[REQUEST_ID] = request_id  # (the whole way keeps it if it answers after all)
        token = logs.request_id.set(request_id)
        try:
            return await self._answer(scope, send, plan, request_id, started)
        finally:
            logs.request_id.reset(token)

    async def _answer(self, scope: Scope, send: Send, plan: HitPlan, request_id: str, started: float) -> bool:
        endpoint = self.endpoint
        try:
            await endpoint.state.backends.catalog_watch.check()
            calls = metrics.start_request()
            entry, generation = await self.responses.get(plan.key)
            if entry is None:
                scope[HANDED_ON] = HandedOn(plan.key, generation, calls)
                return False
            throttle: ThrottleStatus | None = None
            if endpoint.throttle is not None and plan.cost is not None:
                client = client_key(Request(scope), self.proxies)
                throttle = await endpoint.throttle.spend(client, plan.cost.requested, mutation=False)
            status, head, body = await self._response(scope["headers"], plan, entry, throttle, calls)
        except Throttled:
            return False  # the whole way answers the 429 (a refused spend takes nothing)
        except Exception:
            log.exception("the fast path of cache hits failed; answering the whole way")
            return False
        head.extend(self.security)
        head.append((b"x-request-id", request_id.encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": body})
        if access_log.isEnabledFor(logging.INFO):
            took = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %s %.1fms request_id=%s", "GET", PATH, status, took, request_id)
        return True

    async def _response(
        self,
        headers: list[tuple[bytes, bytes]],
        plan: HitPlan,
        entry: CachedResponse,
        throttle: ThrottleStatus | None,
        calls: Counter[str],
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers (before the security headers and the request id) and body, as the whole way sends."""
        origin = if_none_match = None
        gzip = False
        for name, value in headers:  # the first of each, as Starlette's `Headers.get`
            if name == b"origin" and origin is None:
                origin = value
            elif name == b"if-none-match" and if_none_match is None:
                if_none_match = value
            elif name == b"accept-encoding" and not gzip:
                gzip = b"gzip" in value
        etag = representation_tag(entry.etag, plan.media_type)
        tag, vary = etag.encode("latin-1"), b"Accept"
        if matches(None if if_none_match is None else if_none_match.decode("latin-1"), etag):
            status, body = 304, b""
            head = [(b"cache-control", self.cache_control), (b"etag", tag)]
        else:
            status = 200
            extensions = extensions_for(plan.cost, throttle, calls, self.expose_metrics)
            suffix = b"}" if extensions is None else b',"extensions":' + orjson.dumps(extensions) + b"}"
            body = entry.body[:-1] + suffix
            encoded = False
            if len(body) >= self.gzip_minimum:
                vary += b", Accept-Encoding"
                if gzip:
                    body, tag, encoded = await self._gzip(entry, suffix), b"W/" + tag, True
            head = [
                (b"cache-control", self.cache_control),
                (b"etag", tag),
                (b"vary", vary),  # (replaced below: CORS adds to it)
                (b"content-length", str(len(body)).encode("latin-1")),
                (b"content-type", plan.media_type.encode("latin-1")),
            ]
            if encoded:
                head.append((b"content-encoding", b"gzip"))
        # CORS (Starlette's CORSMiddleware for simple requests): `Vary: Origin` always, the origin when allowed.
        if origin is not None and self.cors_any:
            head.append((b"access-control-allow-origin", b"*"))
        elif origin is not None and origin in self.cors_origins:
            head.append((b"access-control-allow-origin", origin))
        vary_header = (b"vary", vary + b", Origin")
        if status == 304:
            head.insert(2, vary_header)
        else:
            head[2] = vary_header
        return status, head, body

    async def _gzip(self, entry: CachedResponse, suffix: bytes) -> bytes:
        """``entry``'s body with ``suffix`` in place of its last byte, gzipped: the body compressed once per entry
        (raw deflate ending on a byte boundary), each response's suffix as a stored block, one gzip member."""
        compressed = self._compressed.get(entry.etag)
        if compressed is None:
            prefix = entry.body[:-1]
            if len(prefix) >= THREAD_MINIMUM_BYTES:
                compressed = await asyncio.to_thread(self._deflate, prefix)
            else:
                compressed = self._deflate(prefix)
            if len(self._compressed) >= MAX_COMPRESSED:
                self._compressed.clear()
            self._compressed[entry.etag] = compressed
        return gzip_member(compressed, suffix)

    def _deflate(self, prefix: bytes) -> Deflated:
        return deflated(prefix, self.gzip_level)


def deflated(prefix: bytes, level: int) -> Deflated:
    """The gzip header and ``prefix`` deflated up to a byte boundary (a sync flush), its CRC-32 and size."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return (
        GZIP_HEADER + compressor.compress(prefix) + compressor.flush(zlib.Z_SYNC_FLUSH),
        zlib.crc32(prefix),
        len(prefix),
    )


def gzip_member(start: Deflated, suffix: bytes) -> bytes:
    """One gzip member: ``start`` (from ``deflated``), then ``suffix`` as stored blocks, the last one final."""
    compressed, crc, size = start
    blocks = [compressed]
    for offset in range(0, max(len(suffix), 1), STORED_BLOCK_BYTES):
        chunk = suffix[offset : offset + STORED_BLOCK_BYTES]
        final = offset + STORED_BLOCK_BYTES >= len(suffix)
        blocks.append(struct.pack("<BHH", 1 if final else 0, len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    blocks.append(struct.pack("<II", zlib.crc32(suffix, crc), (size + len(suffix)) & 0xFFFFFFFF))
    return b"".join(blocks)
