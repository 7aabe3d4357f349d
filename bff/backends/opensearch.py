"""``OpenSearchProductSearch``: product search on Amazon OpenSearch Service or a self-managed cluster.

Searches and incremental writes go through an alias (``BFF_SEARCH_INDEX``), created with a first empty
index at start-up when absent (``ensure_alias``). Writes name the alias with ``require_alias``, so a write
can never create a concrete index under the alias's name. ``rebuild`` creates a new index named
``<alias>-<timestamp>``, bulk-loads it with refreshes off, then, only when every document was written, moves
the alias in one ``_aliases`` call and deletes the old indices, so searches never see a half-built index; a
rebuild with failed documents keeps the old index and reports them. Writes made while a rebuild runs go to
the old index and are written again to the new one after the switch (this process's writes, as they were
made; ``search_indexer.reindex`` then catches up every instance's from the catalog). Text queries are planned
word by word (``opensearch_plan``). Cluster errors become ``ServiceUnavailable``; the GraphQL layer reports
that field's failure and serves the rest. The client does not retry: deadlines, retries and the breaker are
the port boundary's (``bff.backends.policy``).
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import Any

from opensearchpy import AsyncHttpConnection, AsyncOpenSearch, AWSV4SignerAsyncAuth
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError
from opensearchpy.helpers import async_bulk

from bff.backends.local.search_text import query_terms
from bff.backends.opensearch_dsl import parse_search, parse_suggest, search_body, suggest_body
from bff.backends.opensearch_index import MAPPING_VERSION, document_source, index_body
from bff.backends.opensearch_plan import Word, count_aggs, plan, probe, text_matches, text_query
from bff.domain.search import ReindexReport, SearchDocument, SearchRequest, SearchResult, Suggestions
from bff.errors import ServiceUnavailable
from bff.settings import Settings

CHUNK = 500
log = logging.getLogger("bff.search")
# A bulk item refused because its target is not an alias (``require_alias``): the alias is missing.
NO_ALIAS = "index_not_found_exception"


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(f"search is unavailable: {type(exc).__name__}", service="opensearch")


def _retryable(exc: TransportError) -> bool:
    return isinstance(exc, OpenSearchConnectionError) or exc.status_code in (429, 502, 503, 504, "N/A")


def _error_type(item: dict[str, Any]) -> str | None:
    (_, detail), *_ = item.items()
    error = detail.get("error")
    return str(error.get("type")) if isinstance(error, dict) else None


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

    def __init__(self, client: AsyncOpenSearch, alias: str, shards: int = 1, replicas: int = 1) -> None:
        self._client = client
        self._alias = alias
        self._shards = shards
        self._replicas = replicas
        # While a rebuild runs: this process's writes, in order, to write again to the new index.
        self._journal: list[tuple[str, Sequence[Any]]] | None = None

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
        return cls(client, settings.search_index, settings.opensearch_shards, settings.opensearch_replicas)

    async def _call(self, method: Any, **kwargs: Any) -> Any:
        try:
            return await method(**kwargs)
        except TransportError as exc:
            if _retryable(exc):
                raise _unavailable(exc) from exc
            raise

    async def _search(self, body: dict[str, Any]) -> Any:
        return await self._call(self._client.search, index=self._alias, body=body)

    async def search(self, request: SearchRequest) -> SearchResult:
        if request.text is None:
            return parse_search(request, await self._search(search_body(request, None)))
        terms = query_terms(request.text)
        if not terms:
            return SearchResult(product_ids=[], total=0, has_more=False)
        typed = [Word(t) for t in terms]
        checks, spelling = probe(terms)
        response = await self._search({**search_body(request, text_query(typed), checks), "suggest": spelling})
        words = plan(terms, response)
        if words != typed:
            query = text_query(words)
            response = await self._search(search_body(request, query, count_aggs(query)))
        if len(words) > 1 and text_matches(response) == 0:
            # Nothing in the index has every word: any word will do, best matches first.
            response = await self._search(search_body(request, text_query(words, all_words=False)))
        corrected = " ".join(w.text for w in words) if any(w.corrected for w in words) else None
        return parse_search(request, response, corrected)

    async def suggest(self, text: str, limit: int) -> Suggestions:
        response = await self._call(self._client.search, index=self._alias, body=suggest_body(text, limit))
        products, categories, queries = parse_suggest(response)
        return Suggestions(product_ids=products, category_ids=categories, queries=queries[:limit])

    async def _bulk(
        self, actions: AsyncIterable[dict[str, Any]] | list[dict[str, Any]], require_alias: bool = False
    ) -> tuple[int, list[Any]]:
        extra = {"require_alias": True} if require_alias else {}
        try:
            ok, errors = await async_bulk(
                self._client,
                actions,
                chunk_size=CHUNK,
                raise_on_error=False,
                raise_on_exception=False,
                max_retries=2,
                **extra,
            )
        except OpenSearchConnectionError as exc:
            raise _unavailable(exc) from exc
        return ok, list(errors) if isinstance(errors, list) else []

    async def _write(self, actions: list[dict[str, Any]]) -> list[Any]:
        """Bulk ``actions`` through the alias; a missing alias is created and the write tried again."""
        _, errors = await self._bulk(actions, require_alias=True)
        if any(_error_type(item) == NO_ALIAS for item in errors):
            await self.ensure_alias()
            _, errors = await self._bulk(actions, require_alias=True)
        return errors

    async def index_documents(self, documents: Sequence[SearchDocument]) -> None:
        if self._journal is not None:
            self._journal.append(("index", list(documents)))
        actions = [{"_index": self._alias, "_id": d.id, "_source": document_source(d)} for d in documents]
        if errors := await self._write(actions):
            raise ServiceUnavailable(f"search indexing failed for {len(errors)} products", service="opensearch")

    async def remove_documents(self, product_ids: Sequence[str]) -> None:
        if self._journal is not None:
            self._journal.append(("remove", list(product_ids)))
        actions = [{"_op_type": "delete", "_index": self._alias, "_id": i} for i in product_ids]
        errors = await self._write(actions)
        # A product that was never indexed has nothing to delete.
        if [e for e in errors if e.get("delete", {}).get("status") != 404]:
            raise ServiceUnavailable("search delete failed", service="opensearch")

    async def ensure_alias(self) -> None:
        """Create the alias with a first, empty index when the cluster has none (at start-up)."""
        try:
            if await self._current_indices():
                await self._check_mapping()
                return
            if await self._client.indices.exists(index=self._alias):
                # A concrete index named like the alias (written by an older version): the next rebuild
                # replaces it by the alias in its switch; until then, writes fail and say so.
                log.error("search index %r is an index, not an alias: run `bff reindex`", self._alias)
                return
            index = self._new_index_name()
            body = index_body(self._shards, self._replicas, alias=self._alias)
            try:
                await self._client.indices.create(index=index, body=body)
            except TransportError as exc:
                if exc.status_code != 400 or not await self._current_indices():
                    raise
                # Another instance created the alias first: keep its index, drop nothing of ours.
        except TransportError as exc:
            if _retryable(exc):
                raise _unavailable(exc) from exc
            raise

    async def _check_mapping(self) -> None:
        """Say so when the live index was made by a release with other mappings (searches may fail on it)."""
        found = await self._client.indices.get_mapping(index=self._alias)
        for index, spec in found.items():
            version = spec.get("mappings", {}).get("_meta", {}).get("bff_mapping")
            if version != MAPPING_VERSION:
                log.error(
                    "search index %r has mapping version %s, this release needs %s: run `bff reindex`",
                    index,
                    version,
                    MAPPING_VERSION,
                )

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

    def _new_index_name(self) -> str:
        return f"{self._alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1000:03d}"

    async def _rebuild(self, batches: AsyncIterable[Sequence[SearchDocument]]) -> ReindexReport:
        index = self._new_index_name()
        report = ReindexReport(index=index)
        await self._client.indices.create(index=index, body=index_body(self._shards, replicas=0))

        async def actions() -> AsyncIterator[dict[str, Any]]:
            async for batch in batches:
                for doc in batch:
                    yield {"_index": index, "_id": doc.id, "_source": document_source(doc)}

        self._journal = []
        try:
            await self._client.indices.put_settings(index=index, body={"index": {"refresh_interval": "-1"}})
            report.indexed, errors = await self._bulk(actions())
            report.failed = _bulk_failures(errors)
            if report.failed:
                report.switched = False
                # A partial index never goes live: searches keep the old one, the report names the failures.
                await self._client.indices.delete(index=index, ignore_unavailable=True)
                return report
            await self._client.indices.put_settings(
                index=index, body={"index": {"refresh_interval": "1s", "number_of_replicas": self._replicas}}
            )
            await self._client.indices.refresh(index=index)
            old = await self._current_indices()
            moves: list[dict[str, Any]] = [{"remove": {"index": name, "alias": self._alias}} for name in old]
            if not old and await self._client.indices.exists(index=self._alias):
                # A concrete index holds the alias's name (an older version's stray write): it goes in the switch.
                moves.append({"remove_index": {"index": self._alias}})
            moves.append({"add": {"index": index, "alias": self._alias, "is_write_index": True}})
            await self._client.indices.update_aliases(body={"actions": moves})
        except BaseException:
            await self._client.indices.delete(index=index, ignore_unavailable=True)
            raise
        finally:
            journal, self._journal = self._journal, None
        for name in old:
            await self._client.indices.delete(index=name, ignore_unavailable=True)
        # What this process wrote while the new index was loading went to the old one: write it again.
        try:
            for op, items in journal:
                if op == "index":
                    await self.index_documents(items)
                else:
                    await self.remove_documents(items)
        except ServiceUnavailable:
            # The new index is live; what is missing of it, the catalog's catch-up (``reindex``) writes.
            log.exception("writing again %d changes made during the rebuild failed", len(journal))
        return report

    async def ping(self) -> None:
        if not await self._client.ping():
            raise ServiceUnavailable("search cluster did not answer", service="opensearch")

    async def close(self) -> None:
        await self._client.close()
