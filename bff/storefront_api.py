"""Shopify's Storefront API endpoint shape, beside ``/graphql``: ``POST /api/<version>/graphql.json``.

A storefront written for Shopify changes only its endpoint. Every version is served by the current schema,
whose shapes follow Shopify's ``FOLLOWED_VERSION`` (each answer names it in ``X-Shopify-API-Version``).

Tokens (``bff.settings``): with ``BFF_STOREFRONT_PUBLIC_TOKEN`` set, a request must carry it in
``X-Shopify-Storefront-Access-Token``, or the private token in ``Shopify-Storefront-Private-Token``; without
it, any or no token is accepted. A request with the private token (a server-side caller: one address for all
its shoppers) names the shopper's address in ``Shopify-Storefront-Buyer-IP``, which the rate limits then
spend from (``bff.graphql.throttle.client_address``); without the private token that header is ignored.
"""

from __future__ import annotations

import hmac
import ipaddress
import re

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bff.graphql.endpoint import GraphQLEndpoint
from bff.graphql.throttle import BUYER_IP_SCOPE_KEY
from bff.settings import Settings

FOLLOWED_VERSION = "2025-01"
PUBLIC_TOKEN_HEADER = "x-shopify-storefront-access-token"  # noqa: S105 - a header's name
PRIVATE_TOKEN_HEADER = "shopify-storefront-private-token"  # noqa: S105 - a header's name
BUYER_IP_HEADER = "shopify-storefront-buyer-ip"
# `2025-01`, `unstable`, `2026-04-rc`: anything else in the path is not a version.
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _refused(message: str, code: str, status: int) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status, media_type="application/json")


def _buyer_ip(value: str | None) -> str | None:
    """The shopper's address as a server-side caller named it; None when absent or not an address."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def check_tokens(request: Request, settings: Settings) -> Response | None:
    """None when the request may go on (its buyer's address noted when a trusted caller named it); else the
    refusal (401)."""
    private = settings.storefront_private_token
    given_private = request.headers.get(PRIVATE_TOKEN_HEADER)
    if given_private is not None:
        if private is None or not _same(given_private, private.get_secret_value()):
            return _refused("the private storefront token is not valid", "UNAUTHENTICATED", 401)
        buyer = _buyer_ip(request.headers.get(BUYER_IP_HEADER))
        if request.headers.get(BUYER_IP_HEADER) is not None and buyer is None:
            return _refused(f"`{BUYER_IP_HEADER}` must be an IP address", "BAD_USER_INPUT", 400)
        if buyer is not None:
            request.scope[BUYER_IP_SCOPE_KEY] = buyer
        return None
    public = settings.storefront_public_token
    if public is not None and not _same(request.headers.get(PUBLIC_TOKEN_HEADER), public):
        return _refused(
            f"a valid storefront access token is required in `{PUBLIC_TOKEN_HEADER}`", "UNAUTHENTICATED", 401
        )
    return None


async def storefront_graphql(request: Request) -> Response:
    """``POST /api/<version>/graphql.json``: the tokens checked, then the ``/graphql`` endpoint's steps."""
    version = request.path_params["version"]
    if not _VERSION.match(version):
        return _refused("unknown API path", "NOT_FOUND", 404)
    refused = check_tokens(request, request.app.state.bff.settings)
    if refused is not None:
        return refused
    endpoint: GraphQLEndpoint = request.app.state.graphql
    response = await endpoint(request)
    response.headers["X-Shopify-API-Version"] = FOLLOWED_VERSION
    return response


def route() -> Route:
    return Route("/api/{version}/graphql.json", storefront_graphql, methods=["POST"])
