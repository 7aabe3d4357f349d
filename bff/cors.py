"""Which request headers a storefront on another origin may send (the CORS preflight's allow-list).

Browsers ask before sending any header outside the CORS safelist, and a header missing here fails the
whole request with a preflight 400. The list covers what the common GraphQL clients send on their own.
"""

from __future__ import annotations

ALLOWED_HEADERS: tuple[str, ...] = (
    "authorization",
    "content-type",
    "x-request-id",
    # Apollo Client: client awareness, operation name, and the CSRF-prevention header of Apollo Server.
    "apollographql-client-name",
    "apollographql-client-version",
    "x-apollo-operation-name",
    "apollo-require-preflight",
    # Shopify's Storefront API clients (Hydrogen, storefront-api-client) carry a token and their SDK version.
    "x-shopify-storefront-access-token",
    "x-sdk-variant",
    "x-sdk-variant-source",
    "x-sdk-version",
    # Browser tracing (W3C Trace Context), added by OpenTelemetry's fetch instrumentation.
    "traceparent",
    "tracestate",
)
