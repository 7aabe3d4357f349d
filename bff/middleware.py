"""Pure ASGI middleware: request ids, security headers and the access log.

Pure ASGI (not ``BaseHTTPMiddleware``) so context variables set by the app reach the log and nothing is
buffered.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bff import logs

access_log = logging.getLogger("bff.access")

# The request id chosen before the middleware ran, a key of the request's ASGI scope.
REQUEST_ID = "bff.request_id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

GRAPHIQL_SCROLL_LOCK = b"'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='"
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    # GraphiQL's page and assets are served by the app itself; nothing else may load, and no inline script
    # runs (the page has none: its config is a JSON data block). GraphiQL's CSS inlines its fonts as data:
    # URLs. The one inline style is the scroll lock GraphiQL's dialogs add (react-remove-scroll-bar); on this
    # page, which never scrolls, its text is always the same, and GRAPHIQL_SCROLL_LOCK is its hash.
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: https:; font-src 'self' data:; "
        b"style-src 'self' " + GRAPHIQL_SCROLL_LOCK + b"; script-src 'self'; connect-src 'self'; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
]


class RequestIds:
    """Unique request ids without a system call each: a random per-process prefix and a counter."""

    def __init__(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter):016x}"


new_request_id = RequestIds().next


def request_id_for(headers: list[tuple[bytes, bytes]]) -> str:
    """The request's id: its (last) ``X-Request-Id`` when sane, else a new one."""
    given = dict(headers).get(b"x-request-id", b"").decode("latin-1")
    return given if _REQUEST_ID.match(given) else new_request_id()


def security_headers(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    """The headers every response carries (``Strict-Transport-Security`` too in production)."""
    headers = list(SECURITY_HEADERS)
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    return headers


class RequestIdMiddleware:
    """Takes a sane ``X-Request-Id`` from the client or makes one; echoes it and stores it in the scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # (Already chosen when the fast path of cache hits looked at the request first: bff.graphql.hot_hits.)
        request_id = scope.get(REQUEST_ID) or request_id_for(scope["headers"])
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        token = logs.request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(token)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = security_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(self.headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLogMiddleware:
    """One line per request: method, path, status, duration and request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            access_log.info(
                "%s %s %s %.1fms request_id=%s",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                scope.get("state", {}).get("request_id", "-"),
            )
