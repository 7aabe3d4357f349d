"""``OpenSearchProductSearch``: product search on Amazon OpenSearch Service or a self-managed cluster.

Searches and incremental writes go through an alias (``BFF_SEARCH_INDEX``); ``rebuild`` creates a new
index named ``<alias>-<timestamp>``, bulk-loads it with refreshes off, then moves the alias in one
``_aliases`` call and deletes the old indices, so searches never see a half-built index. Cluster errors
become ``ServiceUnavailable``; the GraphQL layer reports that field's failure and serves the rest. The
client does not retry: deadlines, retries and the breaker are the port boundary's (``bff.backends.policy``).
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import Any

from opensearchpy import AsyncHttpConnection, AsyncOpenSearch, AWSV4SignerAsyncAuth
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError
from opensearchpy.helpers import async_bulk

from bff.backends.opensearch_dsl import (
    document_source,
    index_body,
    parse_search,
    parse_suggest,
    search_body,
    suggest_body,
)
from bff.domain.search import ReindexReport, SearchDocument, SearchRequest, SearchResult, Suggestions
from bff.errors import ServiceUnavailable
from bff.settings import Settings

CHUNK = 500


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(f"search is unavailable: {type(exc).__name__}", service="opensearch")


def _retryable(exc: TransportError) -> bool:
    return isinstance(exc, OpenSearchConnectionError) or exc.status_code in (429, 502, 503, 504, "N/A")


def _bulk_failures(errors: list[Any]) -> list[tuple[str, str]]:
    failed = []
    for item in errors:
        (_, detail), *_ = item.items()
        error = detail.get("error", {})
        reason = error.get("reason", str(error)) if isinstance(error, dict) else str(error)
        failed.append((str(detail.get("_id")), f"{detail.get('status')}: {reason}"))
    return failed


class OpenSearchProductSearch:
    """The ``ProductSearch`` port over opensearch-py's ``AsyncOpenSearch``."""

    def __init__(self, client: AsyncOpenSearch, alias: str, replicas: int = 1) -> None:
        self._client = client
        self._alias = alias
        self._replicas = replicas

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenSearchProductSearch:
        if not settings.opensearch_url:
            raise ValueError("BFF_SEARCH_BACKEND=opensearch needs BFF_OPENSEARCH_URL")
        auth: Any = None
        headers: dict[str, str] = {}
        if settings.opensearch_auth == "sigv4":
            import botocore.session

            credentials = botocore.session.get_session().get_credentials()
            auth = AWSV4SignerAsyncAuth(credentials, settings.aws_region, settings.opensearch_service)
        elif settings.opensearch_auth == "basic":
            password = settings.opensearch_password.get_secret_value() if settings.opensearch_password else ""
            # Sent as a header: aiohttp's BasicAuth, which a (user, password) tuple would use, is deprecated.
            token = base64.b64encode(f"{settings.opensearch_username or ''}:{password}".encode()).decode()
            headers["authorization"] = f"Basic {token}"
        client = AsyncOpenSearch(
            hosts=[settings.opensearch_url],
            http_auth=auth,
            headers=headers,
            # The aiohttp connection that signs each request (the default one cannot run a SigV4 signer).
            connection_class=AsyncHttpConnection,
            use_ssl=settings.opensearch_url.startswith("https://"),
            verify_certs=True,
            http_compress=True,
            # Bounds a bulk request; searches get the port's shorter deadline (bff.backends.policy).
            timeout=10,
            # The port boundary's policy is the one retry layer: retries here would multiply its attempts.
            max_retries=0,
            retry_on_timeout=False,
        )
        return cls(client, settings.search_index)

    async def _call(self, method: Any, **kwargs: Any) -> Any:
        try:
            return await method(**kwargs)
        except TransportError as exc:
            if _retryable(exc):
                raise _unavailable(exc) from exc
            raise

    async def search(self, request: SearchRequest) -> SearchResult:
        response = await self._call(self._client.search, index=self._alias, body=search_body(request))
        return parse_search(request, response)

    async def suggest(self, text: str, limit: int) -> Suggestions:
        response = await self._call(self._client.search, index=self._alias, body=suggest_body(text, limit))
        products, categories, queries = parse_suggest(response)
        return Suggestions(product_ids=products, category_ids=categories, queries=queries[:limit])

    async def _bulk(self, actions: AsyncIterable[dict[str, Any]] | list[dict[str, Any]]) -> tuple[int, list[Any]]:
        try:
            ok, errors = await async_bulk(
                self._client, actions, chunk_size=CHUNK, raise_on_error=False, raise_on_exception=False, max_retries=2
            )
        except OpenSearchConnectionError as exc:
            raise _unavailable(exc) from exc
        return ok, list(errors) if isinstance(errors, list) else []

    async def index_documents(self, documents: Sequence[SearchDocument]) -> None:
        actions = [{"_index": self._alias, "_id": d.id, "_source": document_source(d)} for d in documents]
        _, errors = await self._bulk(actions)
        if errors:
            raise ServiceUnavailable(f"search indexing failed for {len(errors)} products", service="opensearch")

    async def remove_documents(self, product_ids: Sequence[str]) -> None:
        actions = [{"_op_type": "delete", "_index": self._alias, "_id": i} for i in product_ids]
        _, errors = await self._bulk(actions)
        # A product that was never indexed has nothing to delete.
        if [e for e in errors if e.get("delete", {}).get("status") != 404]:
            raise ServiceUnavailable("search delete failed", service="opensearch")

    async def _current_indices(self) -> list[str]:
        try:
            found = await self._client.indices.get_alias(name=self._alias)
        except NotFoundError:
            return []
        return sorted(found)

    async def rebuild(self, batches: AsyncIterable[Sequence[SearchDocument]]) -> ReindexReport:
        try:
            return await self._rebuild(batches)
        except TransportError as exc:
            if _retryable(exc):
                raise _unavailable(exc) from exc
            raise

    async def _rebuild(self, batches: AsyncIterable[Sequence[SearchDocument]]) -> ReindexReport:
        index = f"{self._alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1000:03d}"
        report = ReindexReport(index=index)
        await self._client.indices.create(index=index, body=index_body(replicas=0))

        async def actions() -> AsyncIterator[dict[str, Any]]:
            async for batch in batches:
                for doc in batch:
                    yield {"_index": index, "_id": doc.id, "_source": document_source(doc)}

        try:
            await self._client.indices.put_settings(index=index, body={"index": {"refresh_interval": "-1"}})
            report.indexed, errors = await self._bulk(actions())
            report.failed = _bulk_failures(errors)
            await self._client.indices.put_settings(
                index=index, body={"index": {"refresh_interval": "1s", "number_of_replicas": self._replicas}}
            )
            await self._client.indices.refresh(index=index)
            old = await self._current_indices()
            moves: list[dict[str, Any]] = [{"remove": {"index": name, "alias": self._alias}} for name in old]
            moves.append({"add": {"index": index, "alias": self._alias, "is_write_index": True}})
            await self._client.indices.update_aliases(body={"actions": moves})
        except BaseException:
            await self._client.indices.delete(index=index, ignore_unavailable=True)
            raise
        for name in old:
            await self._client.indices.delete(index=name, ignore_unavailable=True)
        return report

    async def ping(self) -> None:
        if not await self._client.ping():
            raise ServiceUnavailable("search cluster did not answer", service="opensearch")

    async def close(self) -> None:
        await self._client.close()
