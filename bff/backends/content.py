"""The ``ContentStore`` port: pages, menus and curated collections by handle (``bff.domain.content``).

Adapters: ``SqliteContentStore`` (embedded, ``bff/backends/local/content_sqlite.py``) and
``DynamoContentStore`` (the single table: ``pk=CONTENT#<kind>``, ``sk=<handle>``,
``bff/backends/dynamodb_content.py``). Reads are batch-first (the DataLoaders ask for every handle of a
request at once); listings are by handle, a page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.content import ContentItem, ContentKind

# The most items one listing call returns.
MAX_LIST = 250


@runtime_checkable
class ContentStore(Protocol):
    async def get_items(self, kind: ContentKind, handles: Sequence[str]) -> list[ContentItem | None]:
        """Items of ``kind`` in the order of ``handles``, ``None`` where there is none."""

    async def list_items(self, kind: ContentKind, after: str | None, limit: int) -> list[ContentItem]:
        """Up to ``limit`` (at most ``MAX_LIST``) items of ``kind`` by handle, those after ``after``."""

    async def count_items(self, kind: ContentKind) -> int: ...

    async def upsert_items(self, items: Sequence[ContentItem]) -> None:
        """Insert or replace items by kind and handle (``bff seed``, ``bff import --content``)."""

    async def close(self) -> None: ...


CONTENT: PortSpec[ContentStore] = PortSpec(
    ContentStore,
    "content",
    idempotent=("get_items", "list_items", "count_items", "upsert_items"),
    bulk=("upsert_items",),
)
