"""``BearerAuthMiddleware``: pure ASGI; puts the caller's ``Identity`` (or ``None``) in ``scope["user"]``.

No ``Authorization`` header means anonymous, which the catalog, search and guest carts allow; the schema
decides what needs more. A header that is present but unusable is refused here with 401 and a GraphQL-shaped
JSON body, before any resolver runs: a client that meant to be signed in must not silently get anonymous
answers (or anonymous cached ones).

Every answer to a request that carries an ``Authorization`` header, whatever the route and whether the token
verified or was refused, goes out with ``Cache-Control: no-store``: it is that caller's, and no browser, proxy
or CDN may keep it.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bff.backends.auth import TokenVerifier
from bff.errors import BffError, ServiceUnavailable, Unauthenticated

log = logging.getLogger("bff.auth")

SCHEME = b"bearer"


def bearer_token(value: bytes) -> str:
    """The token of an ``Authorization: Bearer <token>`` value; anything else is refused."""
    if not value.strip():
        raise Unauthenticated("use `Authorization: Bearer <token>`", reason="malformed_header")
    scheme, _, token = value.strip().partition(b" ")
    token = token.strip()
    if scheme.lower() != SCHEME:
        raise Unauthenticated("use `Authorization: Bearer <token>`", reason="unsupported_scheme")
    if not token or b" " in token or b"," in token:
        raise Unauthenticated("use `Authorization: Bearer <token>`", reason="malformed_header")
    try:
        return token.decode("ascii")
    except UnicodeDecodeError:
        raise Unauthenticated("the bearer token is not valid", reason="malformed_token") from None


class BearerAuthMiddleware:
    """``verifier`` is looked up per request (``scope["app"].state.bff``) since backends open in the lifespan."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        values = [v for k, v in scope["headers"] if k == b"authorization"]
        scope["user"] = None
        if values:
            send = _no_store(send)
            try:
                if len(values) > 1:
                    raise Unauthenticated("send one `Authorization` header", reason="malformed_header")
                scope["user"] = await _verifier(scope).verify(bearer_token(values[0]))
            except (Unauthenticated, ServiceUnavailable) as error:
                await _refuse(error, send)
                return
            except Exception:
                # A verifier bug must not turn a bad token into a 500 or, worse, into anonymous access.
                log.exception("token verification failed unexpectedly")
                await _refuse(Unauthenticated("the bearer token is not valid", reason="invalid_token"), send)
                return
        await self.app(scope, receive, send)


def _no_store(send: Send) -> Send:
    async def send_no_store(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
            message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
        await send(message)

    return send_no_store


def _verifier(scope: Scope) -> TokenVerifier:
    verifier: TokenVerifier = scope["app"].state.bff.backends.token_verifier
    return verifier


async def _refuse(error: BffError, send: Send) -> None:
    status = 503 if isinstance(error, ServiceUnavailable) else 401
    extensions: dict[str, Any] = {"code": error.code, **error.extensions}
    body = orjson.dumps({"errors": [{"message": error.message, "extensions": extensions}]})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        reason = str(error.extensions.get("reason", "invalid_token"))
        headers.append((b"www-authenticate", f'Bearer error="invalid_token", error_description="{reason}"'.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
