"""Prometheus metrics of the port boundary, the ``/metrics`` route, and the app's observability set-up.

Per capability and operation (``bff.backends.ports`` precomputes each label set once per port):

    bff_port_call_seconds{capability, operation}             histogram, retries and backoff included
    bff_port_call_failures_total{capability, operation, reason}   reason: unavailable, timeout, circuit_open
    bff_port_call_retries_total{capability, operation}
    bff_breaker_opened_total{capability}
    bff_catalog_listener_failures_total{listener, outcome}  outcome: recorded (kept for replay), lost

``/metrics`` is off unless ``BFF_METRICS_ENDPOINT=true``. With ``BFF_METRICS_TOKEN`` a scrape must send
``Authorization: Bearer <token>``; production refuses to start with the route and no token. The route is
answered before the bearer-token middleware, which would take the token for a user's JWT.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from bff import tracing
from bff.http_errors import error_body

if TYPE_CHECKING:
    from bff.settings import Settings

# Embedded calls take tens of microseconds, remote ones milliseconds to the timeout.
BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

PORT_CALL_SECONDS = Histogram(
    "bff_port_call_seconds", "Port calls by capability and operation.", ["capability", "operation"], buckets=BUCKETS
)
PORT_CALL_FAILURES = Counter(
    "bff_port_call_failures", "Port calls that failed on the backend's side.", ["capability", "operation", "reason"]
)
PORT_CALL_RETRIES = Counter("bff_port_call_retries", "Retries of idempotent port calls.", ["capability", "operation"])
INTERACTIONS_DROPPED = Counter(
    "bff_interactions_dropped",
    "Shopper interactions dropped: the buffer was full or the recommender failed.",
    ["reason"],
)
BREAKER_OPENED = Counter("bff_breaker_opened", "Times a capability's circuit breaker opened.", ["capability"])

LISTENER_FAILURES = Counter(
    "bff_catalog_listener_failures",
    "Catalog listeners that still failed after their retries, by what became of the change.",
    ["listener", "outcome"],
)


def listener_failed(listener: str, outcome: str) -> None:
    LISTENER_FAILURES.labels(listener, outcome).inc()


def breaker_opened(capability: str) -> None:
    BREAKER_OPENED.labels(capability).inc()


class MetricsEndpoint:
    """Answers ``GET /metrics`` with the Prometheus exposition; everything else goes on to the app."""

    def __init__(self, app: ASGIApp, token: str | None = None) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/metrics":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            body = error_body("use GET for /metrics", "METHOD_NOT_ALLOWED")
            await _respond(send, 405, orjson.dumps(body), [(b"allow", b"GET")])
        elif self.expected is not None and not hmac.compare_digest(
            dict(scope["headers"]).get(b"authorization", b""), self.expected
        ):
            body = error_body("/metrics needs its bearer token", "UNAUTHENTICATED")
            await _respond(send, 401, orjson.dumps(body), [(b"www-authenticate", b"Bearer")])
        else:
            await _respond(send, 200, generate_latest(REGISTRY), [], CONTENT_TYPE_LATEST.encode())


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]], media: bytes = b"application/json"
) -> None:
    headers = [(b"content-type", media), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install(settings: Settings) -> list[Middleware]:
    """Set up tracing from ``settings``; the middleware for request spans and, when enabled, ``/metrics``."""
    tracing.configure(settings)
    middleware = [Middleware(tracing.TracingMiddleware)] if tracing.current_tracer() is not None else []
    if settings.metrics_endpoint:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        middleware.append(Middleware(MetricsEndpoint, token=token))
    return middleware
