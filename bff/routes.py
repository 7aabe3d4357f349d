"""The app's HTTP routes besides the middleware: GraphQL, health and readiness, the embedded issuer's JWKS,
placeholder images."""

from __future__ import annotations

import asyncio
import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bff import graphiql, images
from bff.graphql.endpoint import GraphQLEndpoint
from bff.settings import Settings

log = logging.getLogger("bff")

READY_TIMEOUT_SECONDS = 2.0


async def graphql(request: Request) -> Response:
    endpoint: GraphQLEndpoint = request.app.state.graphql
    return await endpoint(request)


async def healthz(_: Request) -> Response:
    """The process is up (liveness)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Every required backend answers (readiness); the cache being down is degraded, not unready."""
    backends = request.app.state.bff.backends
    # The cache is an optimisation (reads fall through to the store): down means degraded, not unready.
    probes = {"catalog": backends.catalog.ping, "search": backends.search.ping, "cache": backends.cache.ping}
    outcomes = await asyncio.gather(
        *(asyncio.wait_for(ping(), READY_TIMEOUT_SECONDS) for ping in probes.values()), return_exceptions=True
    )
    checks: dict[str, str] = {}
    for name, outcome in zip(probes, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            log.warning("readiness: %s unreachable: %r", name, outcome)
            checks[name] = "degraded" if name == "cache" else "unavailable"
        else:
            checks[name] = "ok"
    ready = "unavailable" not in checks.values()
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)


async def jwks(request: Request) -> Response:
    """The embedded issuer's public keys; with Cognito the user pool serves them, so 404 here."""
    issuer = request.app.state.bff.backends.local_issuer
    if issuer is None:
        raise HTTPException(404)  # answered with the API's JSON error body (bff/http_errors.py)
    return JSONResponse(issuer.jwks(), headers={"cache-control": "public, max-age=300"})


def routes(settings: Settings) -> list[BaseRoute]:
    found: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        images.route(),
    ]
    if settings.graphiql:
        found.append(graphiql.assets_mount())
    return found
