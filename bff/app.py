"""``create_app``: the ASGI application (run with ``uvicorn bff.app:create_app --factory``)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from bff import cors, graphiql, http_errors, observability, tracing
from bff.authentication import BearerAuthMiddleware
from bff.backends.catalog import CatalogStore
from bff.backends.registry import build_backends
from bff.body_limit import BodyLimitMiddleware
from bff.compression import GZipMiddleware
from bff.cursors import CursorCodec
from bff.domain.catalog import PageRequest, ProductQuery, ProductSortKey
from bff.errors import ServiceUnavailable
from bff.graphql.endpoint import GraphQLEndpoint
from bff.graphql.hot_hits import HotHits
from bff.graphql.subscriptions import SubscriptionEndpoint
from bff.ids import to_global_id
from bff.logs import configure_logging
from bff.middleware import AccessLogMiddleware, RequestIdMiddleware, SecurityHeadersMiddleware
from bff.routes import routes
from bff.services.order_runtime import embedded_worker, order_steps, running
from bff.settings import Settings
from bff.state import AppState

log = logging.getLogger("bff")

GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 9


class StorefrontApp(Starlette):
    """Starlette, with cache hits of public GETs answered before the middleware when ``hot`` is set."""

    hot: HotHits | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.hot is not None and scope["type"] == "http" and await self.hot.answer(scope, send):
            return
        await super().__call__(scope, receive, send)


async def _example_handles(catalog: CatalogStore) -> tuple[str, str, str]:
    """A real product and category handle and a variant id in stock, so GraphiQL's examples run as they are.

    Empty when the catalog cannot be read: the app starts anyway, and ``/readyz`` says why it is not ready."""
    first = PageRequest(limit=1)
    try:
        products = await catalog.list_products(ProductQuery(), ProductSortKey.BEST_SELLING, False, first)
        categories = await catalog.list_categories(None, False, first)
        variants = (await catalog.get_variants_by_product([products.items[0].id]))[0] if products.items else []
    except ServiceUnavailable as error:
        log.warning("the catalog could not be read at start-up (see /readyz): %s", error.message)
        return "", "", ""
    product = products.items[0].handle if products.items else ""
    category = categories.items[0].handle if categories.items else ""
    stocked = [v for v in variants if v.quantity_available > 0] or variants
    variant = to_global_id("ProductVariant", stocked[0].id) if stocked else ""
    return product, category, variant


def create_app(settings: Settings | None = None) -> StorefrontApp:
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.is_production)
    from resolvers.schema import schema

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with build_backends(settings) as backends:
            product, category, variant = await _example_handles(backends.catalog)
            page = graphiql.render_page("/graphql", product, category, variant)
            state = AppState(
                settings=settings,
                backends=backends,
                cursors=CursorCodec(settings.cursor_secret.get_secret_value().encode()),
                graphiql_page=page,
            )
            app.state.bff = state
            app.state.graphql = endpoint = GraphQLEndpoint(schema._schema, state)
            fast = settings.response_cache_fast_path and endpoint.responses is not None
            # While tracing, every request goes the whole way, which opens its span.
            if fast and tracing.current_tracer() is None and isinstance(app, StorefrontApp):
                app.hot = HotHits(endpoint, settings, gzip_minimum=GZIP_MINIMUM_BYTES, gzip_level=GZIP_LEVEL)
            app.state.subscriptions = SubscriptionEndpoint(schema, state)
            if settings.gc_freeze:
                # Everything alive now (schema, clients, caches) lives as long as the process: keep it out of
                # the collector's full passes, which otherwise stall every request in flight for ~25 ms.
                gc.collect()
                gc.freeze()
            gc.set_threshold(*settings.gc_threshold)
            steps = order_steps(backends.orders)
            worker = embedded_worker(settings, backends.orders, steps) if settings.order_worker_in_app else None
            app.state.order_steps = steps
            log.info("storefront BFF ready (env=%s, catalog=%s)", settings.env, settings.catalog_backend)
            try:
                async with running(worker):
                    yield
            finally:
                if isinstance(app, StorefrontApp):
                    app.hot = None
                await app.state.graphql.close()

    middleware = [
        Middleware(RequestIdMiddleware),
        # Request spans (when tracing) and /metrics (when enabled), answered before authentication.
        *observability.install(settings),
        Middleware(AccessLogMiddleware),
        Middleware(SecurityHeadersMiddleware, hsts=settings.is_production),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=list(cors.ALLOWED_HEADERS),
            max_age=600,
        ),
        # Inside CORS and the security headers, so a browser can read the 413.
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL),
        # Innermost, so a 401 still carries CORS and security headers a browser needs to read it.
        Middleware(BearerAuthMiddleware),
    ]
    return StorefrontApp(
        routes=routes(settings), middleware=middleware, lifespan=lifespan, exception_handlers=http_errors.HANDLERS
    )
