"""The ``ProductSearch`` port: full-text product search, facets and predictive search, batch-first writes.

Adapters: ``FtsProductSearch`` (SQLite FTS5, embedded) and ``OpenSearchProductSearch`` (Amazon OpenSearch
Service or a self-managed cluster). Both answer with product ids; the GraphQL layer hydrates them through
the product loader, so an index never needs to hold everything a product page shows.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.search import ReindexReport, SearchDocument, SearchRequest, SearchResult, Suggestions


@runtime_checkable
class ProductSearch(Protocol):
    async def search(self, request: SearchRequest) -> SearchResult: ...

    async def suggest(self, text: str, limit: int) -> Suggestions:
        """As-you-type: the last word is a prefix; at most ``limit`` of each kind."""

    async def index_documents(self, documents: Sequence[SearchDocument]) -> None:
        """Insert or replace documents in the live index (incremental updates)."""

    async def remove_documents(self, product_ids: Sequence[str]) -> None: ...

    async def rebuild(self, batches: AsyncIterable[Sequence[SearchDocument]]) -> ReindexReport:
        """Build a fresh index from ``batches`` and switch searches to it at once when it is complete."""

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


# Index writes replace whole documents, so a retried one leaves the index as one call would.
# Index writes and rebuilds take as long as their batch is large: no deadline for them.
SEARCH: PortSpec[ProductSearch] = PortSpec(
    ProductSearch,
    "search",
    idempotent=("search", "suggest", "index_documents", "remove_documents", "ping"),
    bulk=("index_documents", "remove_documents", "rebuild"),
)
