"""The app's HTTP routes besides the middleware: GraphQL (and Shopify's endpoint shape), health and readiness,
the embedded issuer's JWKS, placeholder images, the hosted checkout."""

from __future__ import annotations

import asyncio
import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from bff import checkout_page, graphiql, images, storefront_api
from bff.backends.catalog import CatalogStore
from bff.domain.catalog import PageRequest, ProductQuery, ProductSortKey
from bff.errors import BffError
from bff.graphql.endpoint import GraphQLEndpoint
from bff.settings import Settings

log = logging.getLogger("bff")

READY_TIMEOUT_SECONDS = 2.0


async def graphql(request: Request) -> Response:
    endpoint: GraphQLEndpoint = request.app.state.graphql
    return await endpoint(request)


async def graphql_ws(websocket: WebSocket) -> None:
    """Subscriptions over WebSocket (graphql-transport-ws; ``bff.graphql.subscriptions``)."""
    await websocket.app.state.subscriptions(websocket)


async def healthz(_: Request) -> Response:
    """The process is up (liveness)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready to serve (readiness): every check passes; else 503 with a reason per failing check.

    ``catalog``: the store answers and holds products (a missing table or an empty catalog is not ready);
    ``search`` and ``cache`` (Redis when configured) answer; ``auth``: the token issuer's keys are loaded.
    Each check runs at most ``READY_TIMEOUT_SECONDS``. The load balancer checks ``/healthz`` instead, so an
    outage of a shared backend does not take every instance out of service at once."""
    backends = request.app.state.bff.backends
    probes = {
        "catalog": lambda: _catalog_ready(backends.catalog),
        "search": backends.search.ping,
        "cache": backends.cache.ping,
        "auth": backends.token_verifier.ping,
    }
    outcomes = await asyncio.gather(
        *(asyncio.wait_for(probe(), READY_TIMEOUT_SECONDS) for probe in probes.values()), return_exceptions=True
    )
    checks: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for name, outcome in zip(probes, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            reasons[name] = _reason(outcome)
            log.warning("readiness: %s is not ready: %s", name, reasons[name])
            checks[name] = "unavailable"
        else:
            checks[name] = "ok"
    body: dict[str, object] = {"status": "unavailable" if reasons else "ok", "checks": checks}
    if reasons:
        body["reasons"] = reasons
    return JSONResponse(body, 503 if reasons else 200)


async def _catalog_ready(catalog: CatalogStore) -> None:
    await catalog.ping()
    first = await catalog.list_products(ProductQuery(), ProductSortKey.ID, False, PageRequest(limit=1))
    if not first.items:
        raise NotReady("the catalog has no products (seed or import it)")


class NotReady(Exception):
    """A check's backend answers, but what it holds is not ready to serve."""


def _reason(error: BaseException) -> str:
    """Why a check failed, in the project's words (the errors' messages name no SDK or exception)."""
    if isinstance(error, BffError | NotReady):
        return str(error)
    if isinstance(error, TimeoutError):
        return f"no answer within {READY_TIMEOUT_SECONDS:g} s"
    return "unreachable"


async def jwks(request: Request) -> Response:
    """The embedded issuer's public keys; with Cognito the user pool serves them, so 404 here."""
    issuer = request.app.state.bff.backends.local_issuer
    if issuer is None:
        raise HTTPException(404)  # answered with the API's JSON error body (bff/http_errors.py)
    return JSONResponse(issuer.jwks(), headers={"cache-control": "public, max-age=300"})


def routes(settings: Settings) -> list[BaseRoute]:
    found: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_ws),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        images.route(),
        storefront_api.route(),
        *checkout_page.routes(),
    ]
    if settings.graphiql:
        found.append(graphiql.assets_mount())
    return found
