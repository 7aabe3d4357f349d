"""The composition root for backends: settings in, one adapter per capability out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bff.backends.assistant import ASSISTANT, Assistant, load_bot_definition
from bff.backends.auth import TokenVerifier
from bff.backends.cache import CACHE, Cache
from bff.backends.cache_generation import GenerationBump
from bff.backends.cart_events import CartListener, ObservedCartStore
from bff.backends.cart_interactions import CartInteractions
from bff.backends.cart_locks import CartLocks
from bff.backends.carts import CARTS, CartStore
from bff.backends.catalog import CATALOG, CatalogReader, CatalogStore
from bff.backends.catalog_events import CatalogListener, ObservedCatalogStore
from bff.backends.catalog_watch import CatalogWatch
from bff.backends.content import CONTENT, ContentStore
from bff.backends.discounts import DISCOUNTS, DiscountStore
from bff.backends.geocoder import GEOCODER, ROUTES, Geocoder, RoutePlanner
from bff.backends.interaction_buffer import InteractionBuffer
from bff.backends.order_registry import OrderBackends, open_order_backends
from bff.backends.policy import policy_for
from bff.backends.ports import PortSpec, instrument
from bff.backends.purchase_interactions import PurchaseInteractions
from bff.backends.recommender import RECOMMENDER, Recommender
from bff.backends.search import SEARCH, ProductSearch
from bff.backends.search_indexer import SearchIndexer
from bff.backends.stores import STORES, StoreLocator
from bff.settings import Settings

if TYPE_CHECKING:
    from bff.backends.catalog_cache import CachedCatalogReads
    from bff.backends.local.issuer import LocalIssuer
    from bff.backends.local.recommender_embedded import EmbeddedRecommender

P = TypeVar("P")
# How long start-up waits for the search cluster to create its alias before serving without it.
STARTUP_CHECK_SECONDS = 5


@dataclass(slots=True)
class Backends:
    """Every capability's port, each adapter behind the port boundary (``bff.backends.ports``)."""

    # The catalog; its writes notify the listeners (search indexing, cache invalidation, response generation).
    catalog: ObservedCatalogStore
    # Catalog reads for the DataLoaders and listings: through the shared cache when read-through is on.
    catalog_reads: CatalogReader
    cache: Cache
    # Bearer tokens -> Identity; `local_issuer` is set only for the embedded issuer (serves its JWKS).
    token_verifier: TokenVerifier
    local_issuer: LocalIssuer | None
    # Full-text search and facets; kept in step with the catalog by a catalog listener.
    search: ProductSearch
    # Notices catalog writes of other processes (and retries failed invalidations): checked per request.
    catalog_watch: CatalogWatch
    # Discount codes, kept beside the catalog (its SQLite directory, or its DynamoDB table).
    discounts: DiscountStore
    # Carts; their writes notify the listeners (the recommenders' interactions; orders will too).
    carts: ObservedCartStore
    # Writes to one cart take turns within this process (the store's conditional write decides between processes).
    cart_locks: CartLocks
    # Stores and nearest-store search (docs/stores.md).
    stores: StoreLocator
    # Pages, menus and curated collections (docs/content.md).
    content: ContentStore
    # Text -> position: the configured geocoder, and the embedded one it falls back to when it is remote.
    geocoder: Geocoder
    fallback_geocoder: Geocoder | None
    # Driving times (Amazon Location `geo-routes`); None: straight-line distances only.
    routes: RoutePlanner | None
    # The chat assistant (docs/assistant.md).
    assistant: Assistant
    # The configured recommender (Personalize or the embedded model) and the embedded model itself, which
    # serves what the configured one cannot (``bff.services.recommend``); the same port when embedded.
    recommender: Recommender
    embedded_recommender: Recommender
    # The embedded model's adapter itself, for commands that rebuild or seed it.
    embedded_model: EmbeddedRecommender
    # Interactions on their way to the recommenders, sent in the background.
    interactions: InteractionBuffer
    # Orders, their workflow, payments, risk screening and notifications (``bff.backends.order_registry``).
    orders: OrderBackends


async def _open_catalog(settings: Settings) -> CatalogStore:
    if settings.catalog_backend == "sqlite":
        from bff.backends.local.sqlite_catalog import SqliteCatalogStore

        return await SqliteCatalogStore.open(settings.catalog_db_path)
    if settings.catalog_backend == "dynamodb":
        from bff.backends.dynamodb_catalog import DynamoCatalogStore

        # The client makes the policy's attempts, each within its share of the deadline (dynamodb_config).
        policy = policy_for(settings, CATALOG.capability, remote=True)
        dax = None
        if settings.dax_endpoint:
            from bff.backends.dax import open_dax

            dax = open_dax(settings.dax_endpoint, settings.aws_region, policy=policy)
        return await DynamoCatalogStore.open(
            settings.dynamodb_table,
            settings.aws_region,
            settings.aws_endpoint_url,
            dax=dax,
            policy=policy,
            read_budget=settings.listing_read_budget,
            tree_check_seconds=settings.catalog_watch_interval_seconds,
        )
    raise NotImplementedError(f"catalog backend {settings.catalog_backend!r} is not available in this build")


async def _open_discounts(settings: Settings) -> DiscountStore:
    if settings.catalog_backend == "sqlite":
        from bff.backends.local.sqlite_discounts import SqliteDiscountStore

        return await SqliteDiscountStore.open(settings.discounts_db_path)
    if settings.catalog_backend == "dynamodb":
        from bff.backends.dynamodb_discounts import DynamoDiscountStore

        policy = policy_for(settings, DISCOUNTS.capability, remote=True)
        return await DynamoDiscountStore.open(
            settings.dynamodb_table, settings.aws_region, settings.aws_endpoint_url, policy=policy
        )
    raise NotImplementedError(f"no discount store beside catalog backend {settings.catalog_backend!r}")


async def _open_carts(settings: Settings) -> CartStore:
    if settings.carts_backend == "dynamodb":
        from bff.backends.dynamodb_carts import DynamoCartStore

        policy = policy_for(settings, CARTS.capability, remote=True)
        return await DynamoCartStore.open(
            settings.dynamodb_table, settings.aws_region, settings.aws_endpoint_url, policy=policy
        )
    from bff.backends.local.sqlite_carts import SqliteCartStore

    return await SqliteCartStore.open(settings.cart_db_path, legacy=settings.legacy_cart_db_path)


async def _open_search(settings: Settings, catalog: CatalogStore) -> ProductSearch:
    if settings.search_backend == "opensearch":
        from bff.backends.opensearch import OpenSearchProductSearch

        cluster = OpenSearchProductSearch.from_settings(settings)
        # Writes need the alias (they never create an index): make it now, or at the first write.
        try:
            async with asyncio.timeout(STARTUP_CHECK_SECONDS):
                await cluster.ensure_alias()
        except Exception:  # an unreachable cluster degrades search, it does not stop the app
            logging.getLogger("bff.search").exception("creating the search index failed; writes will retry")
        return cluster
    from bff.backends.local.fts_search import FtsProductSearch
    from bff.backends.search_indexer import reindex

    search = await FtsProductSearch.open(settings.search_db_path, readers=settings.search_readers)
    # The embedded index is derived data: an empty one over a non-empty catalog is built now.
    if await search.is_empty():
        try:
            # Before start-up completes nothing writes through this process: no catch-up needed.
            await reindex(catalog, search, catch_up=False)
        except Exception:  # a catalog the index cannot read must not stop the app
            logging.getLogger("bff.search").exception("building the search index failed; run `bff reindex`")
    return search


async def _open_cache(settings: Settings) -> Cache:
    if settings.cache_backend == "memory":
        from bff.backends.local.memory_cache import MemoryCache

        return MemoryCache(max_bytes=settings.memory_cache_max_bytes)
    if settings.cache_backend == "redis" and settings.redis_url:
        from bff.backends.redis_cache import RedisCache

        return RedisCache.from_url(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
    raise NotImplementedError(f"cache backend {settings.cache_backend!r} is not available in this build")


def _open_auth(settings: Settings) -> tuple[TokenVerifier, LocalIssuer | None]:
    from bff.backends.cognito import CognitoTokenVerifier, http_jwks
    from bff.backends.jwks import JwksCache

    refresh = settings.jwks_min_refresh_seconds
    if settings.auth_backend == "local":
        from bff.backends.local.issuer import LOCAL_CLIENT_ID, LOCAL_ISSUER, LocalIssuer

        issuer = LocalIssuer.load_or_create(settings.data_dir)
        keys = JwksCache(issuer.fetch_jwks, min_refresh_interval=refresh)
        verifier = CognitoTokenVerifier(
            issuer=LOCAL_ISSUER, client_ids=[LOCAL_CLIENT_ID], keys=keys, leeway=settings.auth_leeway_seconds
        )
        return verifier, issuer
    import httpx

    http = httpx.AsyncClient(headers={"user-agent": "storefront-bff"})
    cognito = CognitoTokenVerifier(
        issuer=settings.auth_issuer,
        client_ids=settings.cognito_app_client_ids,
        token_uses=settings.cognito_token_use,
        keys=JwksCache(http_jwks(settings.auth_jwks_url, http), min_refresh_interval=refresh),
        leeway=settings.auth_leeway_seconds,
        http=http,
    )
    return cognito, None


async def _open_stores(settings: Settings) -> StoreLocator:
    if settings.stores_store == "dynamodb":
        from bff.backends.stores_dynamodb import DynamoStoreLocator

        return await DynamoStoreLocator.open(
            settings.dynamodb_table,
            settings.aws_region,
            settings.aws_endpoint_url,
            refresh_seconds=settings.stores_refresh_seconds,
            policy=policy_for(settings, STORES.capability, remote=True),
        )
    from bff.backends.local.stores_sqlite import SqliteStoreLocator

    return await SqliteStoreLocator.open(settings.stores_db_path)


async def _open_content(settings: Settings) -> ContentStore:
    if settings.content_store == "dynamodb":
        from bff.backends.dynamodb_content import DynamoContentStore

        policy = policy_for(settings, CONTENT.capability, remote=True)
        return await DynamoContentStore.open(
            settings.dynamodb_table, settings.aws_region, settings.aws_endpoint_url, policy=policy
        )
    from bff.backends.local.content_sqlite import SqliteContentStore

    return await SqliteContentStore.open(settings.content_db_path)


async def _open_location(settings: Settings) -> tuple[Geocoder, Geocoder | None, RoutePlanner | None]:
    from bff.backends.local.geocoder_places import EmbeddedGeocoder

    geocoder: Geocoder = EmbeddedGeocoder()
    fallback: Geocoder | None = None
    routes: RoutePlanner | None = None
    if settings.geocoder_backend == "location":
        from bff.backends.location_service import LocationGeocoder

        fallback = geocoder
        geocoder = await LocationGeocoder.open(
            settings.aws_region, settings.aws_endpoint_url, settings.location_language
        )
    if settings.routes_backend == "location":
        from bff.backends.location_service import LocationRoutePlanner

        routes = await LocationRoutePlanner.open(settings.aws_region, settings.aws_endpoint_url)
    return geocoder, fallback, routes


async def _open_assistant(settings: Settings) -> Assistant:
    if settings.assistant_backend == "lex":
        from bff.backends.lex import LexAssistant

        assert settings.lex_bot_id and settings.lex_bot_alias_id  # checked by Settings
        return await LexAssistant.open(
            settings.lex_bot_id,
            settings.lex_bot_alias_id,
            settings.lex_locale_id,
            settings.aws_region,
            settings.aws_endpoint_url,
        )
    from bff.backends.local.assistant_embedded import EmbeddedAssistant

    return EmbeddedAssistant(
        load_bot_definition(),
        max_sessions=settings.assistant_max_sessions,
        ttl_seconds=settings.assistant_session_ttl_seconds,
    )


def _read_through(settings: Settings, catalog: CatalogStore, cache: Cache) -> CachedCatalogReads | None:
    """The loaders' by-key reads through the shared cache, unless catalog and cache are both embedded."""
    read_through = settings.catalog_read_through
    if read_through is None:
        read_through = settings.catalog_backend != "sqlite" or settings.cache_backend != "memory"
    if not read_through:
        return None
    from bff.backends.catalog_cache import CachedCatalogReads

    return CachedCatalogReads(
        catalog,
        cache,
        ttl_seconds=settings.catalog_cache_ttl_seconds,
        negative_ttl_seconds=settings.catalog_cache_negative_ttl_seconds,
        # A remote store's listings name their products; the products come through the cache.
        hydrate_listings=settings.catalog_backend != "sqlite",
    )


async def _open_recommenders(
    settings: Settings, catalog: CatalogReader, stack: AsyncExitStack
) -> tuple[Recommender, Recommender, EmbeddedRecommender]:
    """The configured recommender, the embedded one, each behind the boundary (closed by ``stack``), and the
    embedded adapter."""
    from bff.backends.local.recommender_embedded import EmbeddedRecommender

    def delayed(adapter: Recommender) -> Recommender:
        if not settings.recommender_delay_seconds:
            return adapter
        from bff.backends.recommender_delay import DelayedRecommender

        return DelayedRecommender(adapter, settings.recommender_delay_seconds)

    embedded_adapter = await EmbeddedRecommender.open(
        settings.recommender_db_path, catalog, rebuild_interval=settings.recommender_rebuild_interval_seconds
    )
    stack.push_async_callback(embedded_adapter.close)
    if settings.recommender_backend == "embedded":
        embedded = _boundary(settings, delayed(embedded_adapter), RECOMMENDER, remote=False)
        return embedded, embedded, embedded_adapter
    embedded = _boundary(settings, embedded_adapter, RECOMMENDER, remote=False)
    from bff.backends.personalize import PersonalizeConfig, PersonalizeRecommender
    from bff.domain.recommendations import Intent

    config = PersonalizeConfig(
        arns={Intent[name]: arn for name, arn in settings.personalize_arns.items()},
        ranking_arn=settings.personalize_ranking_arn,
        filter_arn=settings.personalize_filter_arn,
        filter_values=settings.personalize_filter_values,
        tracking_id=settings.personalize_tracking_id,
        max_concurrency=settings.personalize_max_concurrency,
    )
    personalize = await PersonalizeRecommender.open(config, settings.aws_region, settings.aws_endpoint_url)
    stack.push_async_callback(personalize.close)
    return _boundary(settings, delayed(personalize), RECOMMENDER, remote=True), embedded, embedded_adapter


def _boundary(settings: Settings, adapter: P, spec: PortSpec[P], *, remote: bool, client_retries: bool = False) -> P:
    """``adapter`` behind the port boundary, under its capability's call policy (``bff.backends.policy``).

    ``client_retries``: the adapter's SDK client already makes the policy's attempts (DynamoDB's), so the
    boundary tries once: a deadline and a breaker, not attempts x attempts."""
    if settings.latency_injection:  # benchmarks and development only (refused in production)
        from bff.backends.latency import inject_latency

        adapter = inject_latency(adapter, spec, settings.latency_ms, settings.latency_sigma)
    policy = policy_for(settings, spec.capability, remote=remote)
    if client_retries:
        policy = policy.model_copy(update={"attempts": 1})
    return instrument(adapter, spec, policy, histograms=settings.metrics_endpoint)


@asynccontextmanager
async def build_backends(settings: Settings) -> AsyncIterator[Backends]:
    """Open every backend once for the app's lifetime (or a command's run), and close them all after."""
    async with AsyncExitStack() as stack:
        catalog = _boundary(
            settings,
            await _open_catalog(settings),
            CATALOG,
            remote=settings.catalog_backend != "sqlite",
            client_retries=settings.catalog_backend == "dynamodb",
        )
        stack.push_async_callback(catalog.close)
        discounts = _boundary(
            settings,
            await _open_discounts(settings),
            DISCOUNTS,
            remote=settings.catalog_backend != "sqlite",
            client_retries=settings.catalog_backend == "dynamodb",
        )
        stack.push_async_callback(discounts.close)
        orders = await open_order_backends(settings, stack)
        cache = _boundary(settings, await _open_cache(settings), CACHE, remote=settings.cache_backend != "memory")
        stack.push_async_callback(cache.close)
        token_verifier, local_issuer = _open_auth(settings)
        stack.push_async_callback(token_verifier.close)
        search = _boundary(
            settings, await _open_search(settings, catalog), SEARCH, remote=settings.search_backend != "embedded"
        )
        stack.push_async_callback(search.close)
        on_dynamodb = settings.stores_store == "dynamodb"
        stores = _boundary(
            settings, await _open_stores(settings), STORES, remote=on_dynamodb, client_retries=on_dynamodb
        )
        stack.push_async_callback(stores.close)
        content_remote = settings.content_store == "dynamodb"
        content = _boundary(
            settings, await _open_content(settings), CONTENT, remote=content_remote, client_retries=content_remote
        )
        stack.push_async_callback(content.close)
        geocoder, fallback_geocoder, routes = await _open_location(settings)
        remote_geocoder = settings.geocoder_backend != "embedded"
        geocoder = _boundary(settings, geocoder, GEOCODER, remote=remote_geocoder)
        stack.push_async_callback(geocoder.close)
        if fallback_geocoder is not None:
            fallback_geocoder = _boundary(settings, fallback_geocoder, GEOCODER, remote=False)
        if routes is not None:
            routes = _boundary(settings, routes, ROUTES, remote=True)
            stack.push_async_callback(routes.close)
        assistant = _boundary(
            settings, await _open_assistant(settings), ASSISTANT, remote=settings.assistant_backend != "embedded"
        )
        stack.push_async_callback(assistant.close)
        reads = _read_through(settings, catalog, cache)
        if reads is not None:
            stack.push_async_callback(reads.flush)  # its writes land before the cache closes
        listeners: list[CatalogListener] = [
            # First, so the cached responses later listeners retire are never refilled from a stale index.
            SearchIndexer(catalog, search),
            # Before anything that refills from the catalog: the entries a write touched go first.
            *([reads] if reads else []),
            # Every catalog writer (the app, `bff import`) retires the shared cache's whole responses.
            GenerationBump(cache),
        ]
        observed = ObservedCatalogStore(catalog, listeners)
        orders.availability = observed.refresh_availability
        watch = CatalogWatch(
            catalog,
            cache,
            interval=settings.catalog_watch_interval_seconds,
            local_reads=reads if settings.cache_backend == "memory" else None,
            replay=observed.replay,
            replay_interval=settings.catalog_replay_interval_seconds,
        )
        stack.push_async_callback(watch.close)
        catalog_reads: CatalogReader = reads or observed
        if settings.catalog_backend != "sqlite":
            # DynamoDB counts filtered listings only by reading them: the search index counts them instead.
            from bff.backends.catalog_counts import SearchCountedReads

            catalog_reads = SearchCountedReads(catalog_reads, search)
        dynamo_carts = settings.carts_backend == "dynamodb"
        carts = _boundary(
            settings, await _open_carts(settings), CARTS, remote=dynamo_carts, client_retries=dynamo_carts
        )
        stack.push_async_callback(carts.close)
        recommender, embedded_recommender, embedded_model = await _open_recommenders(settings, observed, stack)
        sinks = [recommender] if recommender is embedded_recommender else [recommender, embedded_recommender]
        interactions = InteractionBuffer(
            sinks,
            capacity=settings.interaction_buffer_size,
            batch=settings.interaction_batch,
            interval=settings.interaction_flush_seconds,
            catalog=catalog_reads,
        )
        interactions.start()
        stack.push_async_callback(interactions.close)
        # What shoppers add to and remove from their carts feeds the recommenders (in the background).
        cart_listeners: tuple[CartListener, ...] = (CartInteractions(interactions),)
        # So do the orders placed (one PURCHASE per product, in the cart's session).
        orders.purchase_listeners = (PurchaseInteractions(interactions),)
        yield Backends(
            catalog=observed,
            catalog_reads=catalog_reads,
            cache=cache,
            token_verifier=token_verifier,
            local_issuer=local_issuer,
            search=search,
            catalog_watch=watch,
            discounts=discounts,
            carts=ObservedCartStore(carts, cart_listeners),
            cart_locks=CartLocks(),
            stores=stores,
            content=content,
            geocoder=geocoder,
            fallback_geocoder=fallback_geocoder,
            routes=routes,
            assistant=assistant,
            recommender=recommender,
            embedded_recommender=embedded_recommender,
            embedded_model=embedded_model,
            interactions=interactions,
            orders=orders,
        )


@asynccontextmanager
async def open_catalog(settings: Settings) -> AsyncIterator[CatalogStore]:
    """The catalog with every listener attached, for commands (seed, import) that write to it."""
    async with build_backends(settings) as backends:
        yield backends.catalog


@asynccontextmanager
async def open_stores(settings: Settings) -> AsyncIterator[StoreLocator]:
    """The stores' data alone, for commands (seed, import) that write to it."""
    on_dynamodb = settings.stores_store == "dynamodb"
    stores = _boundary(settings, await _open_stores(settings), STORES, remote=on_dynamodb, client_retries=on_dynamodb)
    try:
        yield stores
    finally:
        await stores.close()
