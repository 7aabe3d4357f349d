"""The composition root for backends: settings in, one adapter per capability out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from bff.backends.auth import TokenVerifier
from bff.backends.cache import Cache
from bff.backends.catalog import CatalogStore
from bff.backends.catalog_events import ObservedCatalogStore
from bff.backends.search import ProductSearch
from bff.metrics import counted
from bff.settings import Settings

if TYPE_CHECKING:
    from bff.backends.local.issuer import LocalIssuer


@dataclass(slots=True)
class Backends:
    catalog: CatalogStore
    cache: Cache
    # The catalog's write side: listeners (cache invalidation, search indexing) hang off it.
    catalog_events: ObservedCatalogStore
    # Bearer tokens -> Identity; `local_issuer` is set only for the embedded issuer (serves its JWKS).
    token_verifier: TokenVerifier
    local_issuer: LocalIssuer | None
    # Full-text search and facets; kept in step with the catalog by a listener on `catalog_events`.
    search: ProductSearch
    # By-key catalog reads for the DataLoaders: through the shared cache when read-through is on.
    catalog_reads: CatalogStore | None = None


async def _open_catalog(settings: Settings) -> CatalogStore:
    if settings.catalog_backend == "sqlite":
        from bff.backends.local.sqlite_catalog import SqliteCatalogStore

        return await SqliteCatalogStore.open(settings.catalog_db_path)
    if settings.catalog_backend == "dynamodb":
        from bff.backends.dynamodb import DynamoCatalogStore

        dax = None
        if settings.dax_endpoint:
            from bff.backends.dax import open_dax

            dax = open_dax(settings.dax_endpoint, settings.aws_region)
        return await DynamoCatalogStore.open(
            settings.dynamodb_table, settings.aws_region, settings.aws_endpoint_url, dax=dax
        )
    raise NotImplementedError(f"catalog backend {settings.catalog_backend!r} is not available in this build")


async def _open_search(settings: Settings, catalog: CatalogStore) -> ProductSearch:
    if settings.search_backend == "opensearch":
        from bff.backends.opensearch import OpenSearchProductSearch

        return OpenSearchProductSearch.from_settings(settings)
    from bff.backends.local.fts_search import FtsProductSearch
    from bff.backends.search_indexer import reindex

    search = await FtsProductSearch.open(settings.search_db_path, readers=settings.search_readers)
    # The embedded index is derived data: an empty one over a non-empty catalog is built now.
    if await search.is_empty():
        try:
            await reindex(catalog, search)
        except Exception:  # a catalog the index cannot read must not stop the app
            logging.getLogger("bff.search").exception("building the search index failed; run `bff reindex`")
    return search


async def _open_cache(settings: Settings) -> Cache:
    if settings.cache_backend == "memory":
        from bff.backends.local.memory_cache import MemoryCache

        return MemoryCache()
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


def _catalog_reads(settings: Settings, observed: ObservedCatalogStore, cache: Cache) -> CatalogStore:
    """The loaders' catalog: read through the shared cache unless catalog and cache are both embedded."""
    read_through = settings.catalog_read_through
    if read_through is None:
        read_through = settings.catalog_backend != "sqlite" or settings.cache_backend != "memory"
    if not read_through:
        return cast(CatalogStore, observed)
    from bff.backends.catalog_cache import CachedCatalogReads

    reads = CachedCatalogReads(
        cast(CatalogStore, observed),  # its reads are already counted as catalog.*
        counted(cache, "cache"),
        ttl_seconds=settings.catalog_cache_ttl_seconds,
        negative_ttl_seconds=settings.catalog_cache_negative_ttl_seconds,
    )
    # Before any listener that refills from the catalog: the entries a write touched go first.
    observed.listeners.insert(0, reads)
    return cast(CatalogStore, reads)


@asynccontextmanager
async def build_backends(settings: Settings) -> AsyncIterator[Backends]:
    """Open every backend once for the app's lifetime (or a command's run), and close them all after."""
    async with AsyncExitStack() as stack:
        catalog = await _open_catalog(settings)
        stack.push_async_callback(catalog.close)
        cache = await _open_cache(settings)
        stack.push_async_callback(cache.close)
        observed = ObservedCatalogStore(counted(catalog, "catalog"))
        catalog_reads = _catalog_reads(settings, observed, cache)
        # Every catalog writer (the app, `bff import`) retires the cached responses of the shared cache.
        from bff.graphql.response_cache import GenerationBump

        observed.listeners.append(GenerationBump(cache))
        token_verifier, local_issuer = _open_auth(settings)
        stack.push_async_callback(token_verifier.close)
        search = await _open_search(settings, catalog)
        stack.push_async_callback(search.close)
        from bff.backends.search_indexer import SearchIndexer

        # First, so the cached responses other listeners retire are never refilled from a stale index.
        observed.listeners.insert(0, SearchIndexer(catalog, search))
        yield Backends(
            catalog=cast(CatalogStore, observed),
            cache=counted(cache, "cache"),
            catalog_events=observed,
            catalog_reads=catalog_reads,
            token_verifier=token_verifier,
            local_issuer=local_issuer,
            search=counted(search, "search"),
        )


@asynccontextmanager
async def open_catalog(settings: Settings) -> AsyncIterator[CatalogStore]:
    """The catalog with every listener attached, for commands (seed, import) that write to it."""
    async with build_backends(settings) as backends:
        yield backends.catalog
